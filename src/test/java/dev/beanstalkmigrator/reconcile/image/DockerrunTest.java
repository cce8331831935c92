package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V1;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V1_NUMERIC;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V2;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.assertFinds;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.bytes;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.c;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.zip;

import dev.beanstalkmigrator.reconcile.image.SampleBundles.Expect;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Dockerrun}: the image of a container in a {@code Dockerrun.aws.json} v1 or v2, zipped or as the whole bundle,
 * and the reasons when it names none.
 */
class DockerrunTest {

    static final String V1_DOCKERFILE = """
            {"AWSEBDockerrunVersion": "1", "Ports": [{"ContainerPort": 8080}]}
            """;
    static final String V2_STRING = """
            {"AWSEBDockerrunVersion": "2",
             "containerDefinitions": [{"name": "web", "image": "repo/web:s"}]}
            """;
    static final String V2_OTHERS = """
            {"AWSEBDockerrunVersion": 2,
             "containerDefinitions": [{"name": "app", "image": "a:1"}, {"name": "nginx", "image": "n:1"}]}
            """;
    static final String V2_NO_IMAGE = """
            {"AWSEBDockerrunVersion": 2, "containerDefinitions": [{"name": "web", "memory": 128}]}
            """;
    static final String V3 = """
            {"AWSEBDockerrunVersion": 3, "containerDefinitions": []}
            """;

    static Stream<Arguments> cases() {
        return Stream.of(
                // Dockerrun.aws.json v1: one container, any name takes its image
                c("v1 zipped", zip("Dockerrun.aws.json", V1), "whatever",
                        Expect.found("repo/app:1.2", "Dockerrun.aws.json")),
                c("v1 numeric version", zip("Dockerrun.aws.json", V1_NUMERIC), "web",
                        Expect.found("repo/app:1.3", "Dockerrun.aws.json")),
                c("v1 plain", bytes(V1), "web", Expect.found("repo/app:1.2", "Dockerrun.aws.json")),
                c("v1 plain with BOM", bytes("\uFEFF" + V1), "web",
                        Expect.found("repo/app:1.2", "Dockerrun.aws.json")),
                c("v1 without Image is built from a Dockerfile", zip("Dockerrun.aws.json", V1_DOCKERFILE), "web",
                        Expect.notFound("Dockerrun.aws.json v1 has no Image.Name", "Dockerfile")),

                // v2: picks the container by name
                c("v2 numeric version picks web", zip("Dockerrun.aws.json", V2), "web",
                        Expect.found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "Dockerrun.aws.json")),
                c("v2 picks nginx", zip("Dockerrun.aws.json", V2), "nginx",
                        Expect.found("nginx:1.27", "Dockerrun.aws.json")),
                c("v2 string version", zip("Dockerrun.aws.json", V2_STRING), "web",
                        Expect.found("repo/web:s", "Dockerrun.aws.json")),
                c("v2 plain", bytes(V2), "web",
                        Expect.found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "Dockerrun.aws.json")),
                c("v2 missing container", zip("Dockerrun.aws.json", V2_OTHERS), "web",
                        Expect.notFound("Dockerrun.aws.json v2 has no container named 'web' (it has: app, nginx)")),
                c("v2 container without image", zip("Dockerrun.aws.json", V2_NO_IMAGE), "web",
                        Expect.notFound("container 'web' has no image")),
                c("unsupported version", zip("Dockerrun.aws.json", V3), "web",
                        Expect.notFound("unsupported AWSEBDockerrunVersion '3'")),
                c("invalid JSON", zip("Dockerrun.aws.json", "{\"AWSEBDockerrunVersion\": 2, \"containerDefinitions\": ["),
                        "web", Expect.notFound("Dockerrun.aws.json is not valid JSON")),
                c("invalid JSON plain", bytes("{\"AWSEBDockerrunVersion\": 2,, }"), "web",
                        Expect.notFound("not valid JSON (line 1")),
                c("trailing garbage after JSON", zip("Dockerrun.aws.json", V1 + " {}"), "web",
                        Expect.notFound("is not valid JSON")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void finds(String name, byte[] bundle, String container, Expect expect) {
        assertFinds(bundle, container, expect);
    }
}
