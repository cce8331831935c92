package dev.beanstalkmigrator.testing;

/** Plans for the integration tests' world (application shop, task definition shop-app). */
public final class Plans {

    private Plans() {}

    /** A plan with these environment entries (YAML flow mappings or blocks, one per argument). */
    public static String plan(String... environments) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: shop}
                spec:
                  defaults:
                    application: shop
                    cluster: shop-cluster
                    taskDefinition: shop-app
                    container: app
                    command: [python, manage.py, migrate, --noinput]
                    timeout: 1m
                    network: {subnets: [subnet-0aa11bb22], securityGroups: [sg-0cc33dd44]}
                  environments:""");
        if (environments.length == 0) {
            yaml.append(" []\n");
        } else {
            yaml.append('\n');
            for (String environment : environments) {
                yaml.append("    - ").append(environment).append('\n');
            }
        }
        return yaml.toString();
    }
}
