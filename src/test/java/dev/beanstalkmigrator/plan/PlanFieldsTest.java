package dev.beanstalkmigrator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.NetworkSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The declarations in {@link PlanFields} are what the README and the model say a plan holds. */
class PlanFieldsTest {

    private static final String HEADER = "| field | required | default | meaning |";

    @Test
    void theReadmePlanReferenceIsRenderedFromTheDeclarations() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf(HEADER);
        List<String> table = new ArrayList<>();
        for (int i = start; start >= 0 && i < readme.size() && readme.get(i).startsWith("|"); i++) {
            table.add(readme.get(i));
        }
        String rendered = String.join("\n", PlanFields.reference());
        assertEquals(rendered, String.join("\n", table), "README.md's plan reference (the table under \"## The plan\")"
                + " must say what PlanFields declares; replace it with:\n" + rendered + "\n");
    }

    @Test
    void theModelRecordsHoldExactlyTheDeclaredFields() {
        // An environment's place is three fields of the plan: region, roleArn, externalId.
        Set<String> environment = components(EnvironmentSpec.class);
        environment.remove("place");
        environment.addAll(components(dev.beanstalkmigrator.model.CloudPlace.class));
        assertEquals(environment, names(PlanFields.Section.ENVIRONMENT));
        assertEquals(components(NetworkSpec.class), names(PlanFields.Section.NETWORK));
        assertEquals(components(CapacityProvider.class), names(PlanFields.Section.CAPACITY_PROVIDER));
    }

    @Test
    void everyFieldSaysWhatItMeansAndARequiredOneWhatToWrite() {
        for (PlanFields.Section section : PlanFields.Section.values()) {
            for (Field<?> field : section.fields()) {
                assertEquals(false, field.meaning().isBlank(), field.name());
                assertEquals(field.required(), field.advice() != null, field.name());
                assertEquals(false, field.required() && field.fallback() != null, field.name());
            }
        }
    }

    private static Set<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> names(PlanFields.Section section) {
        return new TreeSet<>(section.names());
    }
}
