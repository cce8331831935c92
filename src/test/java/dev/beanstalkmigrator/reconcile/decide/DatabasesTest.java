package dev.beanstalkmigrator.reconcile.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.testing.Samples;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The database key: from the plan, an attached RDS instance or DATABASE_URL; never a user or a password. */
class DatabasesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NONE", value = {
        "postgres://shop:s3cret@db.internal:5432/shop                 | db.internal:5432/shop",
        "postgres://shop:s3cret@db.internal/shop                      | db.internal:5432/shop",
        "postgresql://shop:s3cret@DB.Internal:6432/shop?sslmode=require | db.internal:6432/shop",
        "postgis://u:p@geo.internal/maps                              | geo.internal:5432/maps",
        "postgresql+psycopg://u:p@pg.internal/app                     | pg.internal:5432/app",
        "mysql://root:pw@mysql.internal/app                           | mysql.internal:3306/app",
        "mysql2://root:pw@mysql.internal:3307/app                     | mysql.internal:3307/app",
        "redshift://u:p@warehouse.internal/dw                         | warehouse.internal:5439/dw",
        "postgres://db.internal/shop                                  | db.internal:5432/shop",
        "postgres://u:p@[2001:db8::1]:5432/shop                       | [2001:db8::1]:5432/shop",
        "postgres://u:p@db.internal:5432                              | db.internal:5432",
        "custom://u:p@db.internal/shop                                | db.internal/shop",
        // Passwords with the URL's own characters: everything up to the last @ is dropped.
        "postgres://shop:p@ss/w:rd@db.internal:5432/shop              | db.internal:5432/shop",
        // An @ after ? or #: in the options or in a password; neither can be told apart, so nothing.
        "mysql://db.internal/app?user=u&password=p@ss                 | NONE",
        "postgres://shop:p?ss@db.internal/shop                        | NONE",
        "postgres://shop:a#b@db.internal/shop                         | NONE",
        // No database to share, or nothing that looks like one.
        "sqlite:////var/app/db.sqlite3                                | NONE",
        "sqlite://:memory:                                            | NONE",
        "spatialite:///data.db                                        | NONE",
        "postgres:///shop                                             | NONE",
        "db.internal:5432/shop                                        | NONE",
        "postgres://u:p@db internal/shop                              | NONE",
        "postgres://u:p@db.internal:54x2/shop                         | NONE",
        "postgres://u:p@db.internal/shop;drop                         | NONE",
        "''                                                           | NONE",
    })
    void aDatabaseUrlGivesHostPortAndNameOnly(String url, String key) {
        assertEquals(key, Databases.found(Map.of("DATABASE_URL", url)));
    }

    @Test
    void anAttachedRdsInstanceWinsOverDatabaseUrl() {
        Map<String, String> variables = new HashMap<>(Map.of(
                "RDS_HOSTNAME", "shop.abc123.eu-west-1.rds.amazonaws.com", "RDS_PORT", "5432",
                "RDS_DB_NAME", "ebdb", "RDS_USERNAME", "admin", "RDS_PASSWORD", "rds-secret",
                "DATABASE_URL", "postgres://u:p@other.internal/other"));
        assertEquals("shop.abc123.eu-west-1.rds.amazonaws.com:5432/ebdb", Databases.found(variables));
        variables.remove("RDS_DB_NAME");
        assertEquals("shop.abc123.eu-west-1.rds.amazonaws.com:5432", Databases.found(variables));
        variables.put("RDS_HOSTNAME", "  ");
        assertEquals("other.internal:5432/other", Databases.found(variables), "a blank RDS host is no instance");
        assertNull(Databases.found(Map.of("DJANGO_SETTINGS_MODULE", "shop.settings")));
        assertNull(Databases.found(Map.of("RDS_HOSTNAME", "db.internal", "RDS_PORT", "five")), "not a port");
    }

    @Test
    void thePlanNamesTheDatabaseOrNone() {
        Map<String, String> variables = Map.of("DATABASE_URL", "postgres://u:p@db.internal/shop");
        assertEquals("db.internal:5432/shop", Databases.of(spec(null), variables));
        assertEquals("shop-main", Databases.of(spec("shop-main"), variables));
        assertNull(Databases.of(spec(EnvironmentSpec.NO_DATABASE), variables));
    }

    @Test
    void noKeyHoldsAnyPartOfAUserOrPassword() {
        for (String url : List.of("postgres://canaryuser:canarypw@db.internal:5432/shop",
                "postgres://canaryuser:canary@pw/x@db.internal/shop", "mysql://canaryuser@db.internal/shop",
                "postgres://canaryuser:canarypw@db.internal/shop?password=canarypw",
                "mysql://db.internal/shop?user=canaryuser&password=canary@pw")) {
            String key = Databases.found(Map.of("DATABASE_URL", url));
            assertFalse(key != null && key.contains("canary"), url + " -> " + key);
        }
    }

    private static EnvironmentSpec spec(String database) {
        EnvironmentSpec s = Samples.spec("acme-prod");
        return new EnvironmentSpec(s.name(), s.application(), s.version(), s.suspend(), s.rerun(), s.cluster(),
                s.taskDefinition(), s.container(), s.command(), s.timeout(), s.launchType(),
                s.capacityProviderStrategy(), s.network(), s.image(), s.afterSuccess(), database);
    }
}
