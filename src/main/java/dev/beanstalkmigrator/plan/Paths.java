package dev.beanstalkmigrator.plan;

/** Field paths as shown in errors: {@code spec.environments[1].timeout}. */
final class Paths {

    private Paths() {}

    static String field(String parent, String key) {
        String name = Texts.escape(key);
        return parent.isEmpty() ? name : parent + "." + name;
    }

    static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }
}
