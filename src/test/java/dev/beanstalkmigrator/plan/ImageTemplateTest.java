package dev.beanstalkmigrator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageTemplateTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            # template                                         | version  | application | environment | expected
            123.dkr.ecr.eu-west-1.amazonaws.com/app:{version}  | v42      | shop        | shop-prod   | 123.dkr.ecr.eu-west-1.amazonaws.com/app:v42
            repo/{application}-migrate:{version}               | 1.0.3    | shop        | shop-prod   | repo/shop-migrate:1.0.3
            repo/{application}:{environment}-{version}         | 7        | shop        | shop-prod   | repo/shop:shop-prod-7
            repo/{version}:{version}                           | x        | a           | e           | repo/x:x
            repo/static:latest                                 | v1       | NULL        | NULL        | repo/static:latest
            repo/app:{version}                                 | v1       | NULL        | NULL        | repo/app:v1
            repo/app:{version}                                 | {environment} | a      | e           | repo/app:{environment}
            repo/app:{version}                                 | $1\\x    | a           | e           | repo/app:$1\\x
            '{version}'                                        | only     | a           | e           | only
            """)
    void expands(String template, String version, String application, String environment, String expected) {
        assertEquals(expected, ImageTemplate.expand(template, version, application, environment));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            # template                    | version | application | environment | message part
            repo/app:{verison}            | v1      | a           | e           | unknown placeholder {verison}
            repo/{Version}                | v1      | a           | e           | unknown placeholder {Version}
            repo/{application}:{version}  | v1      | NULL        | e           | uses {application} but no value
            repo/app:{environment}        | v1      | a           | NULL        | uses {environment} but no value
            repo/app:{version}            | NULL    | a           | e           | uses {version} but no value
            repo/{ app }:{                | v1      | a           | e           | unknown placeholder { app }
            repo/app:{{version}}          | v1      | a           | e           | unknown placeholder {{version}
            repo/app:${VERSION}           | v1      | a           | e           | are replaced; did you mean {version}?
            repo/app:{version             | v1      | a           | e           | a `{` that is never closed
            repo/app:version}             | v1      | a           | e           | a `}` without a `{`
            """)
    void rejects(String template, String version, String application, String environment, String messagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTemplate.expand(template, version, application, environment));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
