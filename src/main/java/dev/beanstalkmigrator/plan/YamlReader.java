package dev.beanstalkmigrator.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Turns the bytes of a plan into a located {@link YamlNode} tree, enforcing {@link PlanLimits}.
 *
 * <p>Works on SnakeYAML's event stream rather than its composer, so that every bound is checked as
 * the input is read: the byte size before decoding, UTF-8 and printable characters before parsing,
 * nesting depth, alias count and the node count after alias expansion on every event. Aliases are
 * resolved by reference (the node an anchor names is shared, never copied), and sizes are memoized
 * per anchor, so an alias bomb costs one addition per alias before the node cap stops it.
 *
 * <p>Rejected while reading: more than one document, type tags ({@code !!str}, {@code !foo},
 * {@code !!python/object}), aliases to anchors not yet complete. YAML syntax errors are reported at
 * SnakeYAML's problem mark.
 */
final class YamlReader {

    /**
     * Longest accepted line, in code points. SnakeYAML's reader takes time quadratic in the length of
     * a single token, so a megabyte-long line would cost seconds; no sensible plan has a line this long.
     */
    static final int MAX_LINE_LENGTH = 64 * 1024;

    private final PlanLimits limits;
    private final Problems problems;

    YamlReader(PlanLimits limits, Problems problems) {
        this.limits = limits;
        this.problems = problems;
    }

    /**
     * Decodes strict UTF-8 and checks that every character is one YAML allows (no NUL, no C0/C1
     * control characters other than tab, line feed, carriage return and NEL) and that no line is
     * longer than {@link #MAX_LINE_LENGTH}. A leading byte order mark is dropped.
     *
     * @return the text, or {@code null} after recording an error at the first bad byte
     */
    String decode(byte[] bytes) {
        StringBuilder text = new StringBuilder(bytes.length);
        int line = 1;
        int column = 1;
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i] & 0xff;
            int cp;
            int length;
            if (b < 0x80) {
                cp = b;
                length = 1;
            } else {
                int lo = 0x80;
                int hi = 0xbf;
                if (b >= 0xc2 && b <= 0xdf) {
                    length = 2;
                    cp = b & 0x1f;
                } else if (b >= 0xe0 && b <= 0xef) {
                    length = 3;
                    cp = b & 0x0f;
                    if (b == 0xe0) {
                        lo = 0xa0;
                    } else if (b == 0xed) {
                        hi = 0x9f;
                    }
                } else if (b >= 0xf0 && b <= 0xf4) {
                    length = 4;
                    cp = b & 0x07;
                    if (b == 0xf0) {
                        lo = 0x90;
                    } else if (b == 0xf4) {
                        hi = 0x8f;
                    }
                } else {
                    badByte(line, column, b, i);
                    return null;
                }
                for (int k = 1; k < length; k++) {
                    if (i + k >= n) {
                        problems.at(line, column, "", "the file ends in the middle of a UTF-8 character (byte 0x"
                                + hex(b) + " at offset " + i + "); save the plan as UTF-8 text");
                        return null;
                    }
                    int c = bytes[i + k] & 0xff;
                    if (c < lo || c > hi) {
                        badByte(line, column, b, i);
                        return null;
                    }
                    lo = 0x80;
                    hi = 0xbf;
                    cp = (cp << 6) | (c & 0x3f);
                }
            }
            if (!printable(cp)) {
                problems.at(line, column, "", String.format(
                        "control character U+%04X is not allowed in a plan (byte offset %d); is this a binary file? "
                                + "A plan is UTF-8 text", cp, i));
                return null;
            }
            i += length;
            if (cp == 0xfeff && text.length() == 0) {
                continue; // byte order mark
            }
            text.appendCodePoint(cp);
            if (cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029
                    || (cp == '\r' && (i >= n || bytes[i] != '\n'))) {
                line++;
                column = 1;
            } else if (cp != '\r') {
                if (column > MAX_LINE_LENGTH) {
                    problems.at(line, column, "", "line " + line + " is longer than " + MAX_LINE_LENGTH
                            + " characters; a plan's lines are short, so check that this is the right file");
                    return null;
                }
                column++;
            }
        }
        return text.toString();
    }

    private void badByte(int line, int column, int b, int offset) {
        problems.at(line, column, "", "byte 0x" + hex(b) + " at offset " + offset
                + " is not valid UTF-8; save the plan as UTF-8 text");
    }

    private static String hex(int b) {
        return String.format("%02X", b);
    }

    /** YAML's printable set (c-printable). */
    private static boolean printable(int cp) {
        return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0x7e) || cp == 0x85
                || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd)
                || (cp >= 0x10000 && cp <= 0x10ffff);
    }

    /** A collection being read. */
    private static final class Frame {
        final boolean mapping;
        final int line;
        final int column;
        final String anchor;
        final String path;
        final List<YamlNode> items = new ArrayList<>();
        final List<YamlNode.Entry> entries = new ArrayList<>();
        YamlNode pendingKey;
        long size = 1;

        Frame(boolean mapping, int line, int column, String anchor, String path) {
            this.mapping = mapping;
            this.line = line;
            this.column = column;
            this.anchor = anchor;
            this.path = path;
        }

        String childPath() {
            if (!mapping) {
                return path + "[" + items.size() + "]";
            }
            if (pendingKey instanceof YamlNode.Scalar key) {
                return Paths.field(path, key.text());
            }
            return path;
        }

        void add(YamlNode node) {
            if (!mapping) {
                items.add(node);
            } else if (pendingKey == null) {
                pendingKey = node;
            } else {
                entries.add(new YamlNode.Entry(pendingKey, node));
                pendingKey = null;
            }
        }

        YamlNode build() {
            return mapping
                    ? new YamlNode.Mapping(List.copyOf(entries), line, column)
                    : new YamlNode.Sequence(List.copyOf(items), line, column);
        }
    }

    private final Deque<Frame> stack = new ArrayDeque<>();
    private final Map<String, YamlNode> anchors = new HashMap<>();
    private final Map<YamlNode, Long> sizes = new IdentityHashMap<>();
    private YamlNode root;
    private long nodes;
    private int aliases;
    private int documents;
    private int lastLine = 1;
    private int lastColumn = 1;

    /**
     * Reads one YAML document.
     *
     * @return the root node, or {@code null} when the stream holds no document (an empty file, or
     *     only comments) or when a fatal error was recorded
     */
    YamlNode read(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Math.max(limits.maxBytes(), text.length()) + 16);
        options.setNestingDepthLimit(limits.maxDepth());
        options.setMaxAliasesForCollections(limits.maxAliases());
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMergeOnCompose(false);
        options.setProcessComments(false);
        try {
            Parser parser = new ParserImpl(new StreamReader(text), options);
            while (true) {
                Event event = parser.getEvent();
                if (event == null || event.is(Event.ID.StreamEnd)) {
                    break;
                }
                handle(event);
            }
            return root;
        } catch (Problems.Fatal stop) {
            return null;
        } catch (MarkedYAMLException e) {
            syntaxError(e);
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            problems.at(lastLine, lastColumn, currentPath(), "could not read the YAML: "
                    + Texts.escape(String.valueOf(e.getMessage())));
            return null;
        }
    }

    private void handle(Event event) {
        Mark start = event.getStartMark();
        int line = start == null ? lastLine : start.getLine() + 1;
        int column = start == null ? lastColumn : start.getColumn() + 1;
        lastLine = line;
        lastColumn = column;
        switch (event.getEventId()) {
            case StreamStart, DocumentEnd, Comment -> { }
            case DocumentStart -> {
                if (++documents > 1) {
                    throw problems.fatal(line, column, "", "a plan is one YAML document, but a second one starts"
                            + " here; remove the `---` and what follows, or put it in its own file");
                }
            }
            case Scalar -> {
                ScalarEvent scalar = (ScalarEvent) event;
                checkTag(scalar.getTag(), line, column);
                count(1, line, column);
                YamlNode.Scalar node = new YamlNode.Scalar(scalar.getValue(),
                        scalar.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN, line, column);
                remember(scalar, node, 1);
                attach(node, 1);
            }
            case SequenceStart, MappingStart -> {
                CollectionStartEvent collection = (CollectionStartEvent) event;
                checkTag(collection.getTag(), line, column);
                count(1, line, column);
                String path = currentPath();
                if (stack.size() + 1 > limits.maxDepth()) {
                    throw problems.fatal(line, column, path, "nesting is deeper than " + limits.maxDepth()
                            + " levels; a plan needs no more than 6, so flatten this structure");
                }
                stack.push(new Frame(event instanceof MappingStartEvent, line, column,
                        collection.getAnchor(), path));
            }
            case SequenceEnd, MappingEnd -> {
                Frame frame = stack.pop();
                YamlNode node = frame.build();
                if (frame.anchor != null) {
                    anchors.put(frame.anchor, node);
                    sizes.put(node, frame.size);
                }
                attach(node, frame.size);
            }
            case Alias -> {
                String name = ((AliasEvent) event).getAnchor();
                if (++aliases > limits.maxAliases()) {
                    throw problems.fatal(line, column, currentPath(), "more than " + limits.maxAliases()
                            + " aliases (*name) in one plan; write the values out instead");
                }
                YamlNode target = name == null ? null : anchors.get(name);
                if (target == null) {
                    throw problems.fatal(line, column, currentPath(), "alias *" + Texts.escape(String.valueOf(name))
                            + " refers to no complete anchor before it; define &" + Texts.escape(String.valueOf(name))
                            + " earlier (an alias cannot point into the structure that contains it)");
                }
                long size = sizes.getOrDefault(target, 1L);
                count(size, line, column);
                attach(target.at(line, column), size);
            }
            default -> { }
        }
    }

    private void remember(NodeEvent event, YamlNode node, long size) {
        if (event.getAnchor() != null) {
            anchors.put(event.getAnchor(), node);
            sizes.put(node, size);
        }
    }

    private void attach(YamlNode node, long size) {
        Frame top = stack.peek();
        if (top == null) {
            root = node;
        } else {
            top.add(node);
            top.size += size;
        }
    }

    private void count(long size, int line, int column) {
        nodes += size;
        if (nodes > limits.maxNodes()) {
            throw problems.fatal(line, column, currentPath(), "the document expands to more than "
                    + limits.maxNodes() + " nodes (counting what every alias repeats); a plan needs far fewer,"
                    + " so write it out plainly");
        }
    }

    private void checkTag(String tag, int line, int column) {
        if (tag == null) {
            return;
        }
        String written = tag.startsWith("tag:yaml.org,2002:") ? "!!" + tag.substring(18) : tag;
        problems.at(line, column, currentPath(), "type tags like " + Texts.code(written)
                + " are not allowed in a plan; remove the tag and write the plain value");
    }

    private String currentPath() {
        Frame top = stack.peek();
        return top == null ? "" : top.childPath();
    }

    private void syntaxError(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        int line = mark == null ? lastLine : mark.getLine() + 1;
        int column = mark == null ? lastColumn : mark.getColumn() + 1;
        StringBuilder message = new StringBuilder("YAML syntax error: ");
        String problem = e.getProblem();
        message.append(problem == null ? "the YAML is malformed" : oneLine(problem));
        Mark context = e.getContextMark();
        if (e.getContext() != null && context != null) {
            message.append(" (").append(oneLine(e.getContext())).append(" that starts at line ")
                    .append(context.getLine() + 1).append(", column ").append(context.getColumn() + 1).append(')');
        }
        message.append("; check the indentation, the colons, and that every bracket and quote is closed");
        String path = stack.isEmpty() ? "" : stack.peek().path;
        problems.at(line, column, path, message.toString());
    }

    private static String oneLine(String text) {
        String flat = text.replaceAll("\\s+", " ").trim();
        return flat.length() > 200 ? flat.substring(0, 200) + "\u2026" : flat;
    }
}
