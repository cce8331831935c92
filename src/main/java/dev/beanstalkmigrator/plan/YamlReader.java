package dev.beanstalkmigrator.plan;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Turns the bytes of a plan into a located {@link YamlNode} tree, within {@link PlanLimits}.
 *
 * <p>The bytes are decoded by the JDK's UTF-8 decoder, set to report malformed input, and the text is
 * checked for characters YAML does not allow and for overlong lines. SnakeYAML's {@link Composer} then
 * builds the node tree; its {@link LoaderOptions} bound the nesting depth and the text's length. The
 * composer sees the parser's events through {@link Watch}, which adds what SnakeYAML cannot say: where
 * an error is (SnakeYAML's depth error carries no position, none of its errors a field path), type tags
 * (refused, each at its node), aliases (SnakeYAML counts only those to mappings and lists, and lets one
 * point into the collection its anchor names, a cycle), and the number of nodes read. The tree is then
 * copied into {@link YamlNode}s, counting every alias as the size of what it repeats: SnakeYAML shares
 * an aliased node rather than copying it, so it has no count of the expanded document, which is what
 * stops an alias bomb.
 *
 * <p>This is the operator's one YAML setup for files it does not write itself: plans, and through
 * {@link #document} the docker-compose files of source bundles, read within the same limits.
 */
public final class YamlReader {

    /**
     * Longest accepted line, in code points. SnakeYAML's reader takes time quadratic in the length of
     * a single token, so a megabyte-long line would cost seconds; no sensible plan has a line this long.
     */
    static final int MAX_LINE_LENGTH = 64 * 1024;

    /** How SnakeYAML's composer begins the message of its (unlocated) nesting depth error. */
    private static final String DEPTH_EXCEEDED = "Nesting Depth exceeded";

    /** What a plan is called in messages. */
    private static final String PLAN = "plan";

    private final PlanLimits limits;
    private final Problems problems;
    /** What the file is, in messages: {@value #PLAN}, or another kind of file read by {@link #document}. */
    private final String kind;

    YamlReader(PlanLimits limits, Problems problems) {
        this(limits, problems, PLAN);
    }

    private YamlReader(PlanLimits limits, Problems problems, String kind) {
        this.limits = limits;
        this.problems = problems;
        this.kind = kind;
    }

    /**
     * A YAML file read by {@link #document}.
     *
     * @param root the document's root node; null when the file holds no document, or when it could not be read
     * @param errors what was wrong, sorted by position; empty when the file was read
     */
    public record Document(YamlNode root, List<PlanError> errors) {
        public Document {
            errors = List.copyOf(errors);
        }
    }

    /**
     * Reads a YAML file that is not a plan (a source bundle's docker-compose.yml) exactly as a plan is read, so
     * that hostile input meets the same bounds everywhere: at most {@link PlanLimits#maxBytes()} bytes, strict
     * UTF-8 with only the characters YAML allows and lines of at most {@link #MAX_LINE_LENGTH}, one document,
     * SnakeYAML's composer alone (nothing is ever constructed from a tag), type tags refused, and the alias,
     * nesting and node limits of {@code limits}. Merge keys ({@code <<}) stay plain keys, as in a plan. Never
     * throws on content.
     *
     * @param source the file's name, in errors
     * @param kind what the file is, in messages: "compose file" gives "type tags ... are not allowed in a
     *     compose file"
     * @return the root node when the file was read without error, else the errors
     */
    public static Document document(String source, String kind, byte[] bytes, PlanLimits limits) {
        Problems problems = new Problems(source);
        YamlNode root = null;
        try {
            if (bytes.length > limits.maxBytes()) {
                problems.at(1, 1, "", "the " + kind + " is " + bytes.length + " bytes, more than the limit of "
                        + limits.maxBytes() + " bytes");
            } else {
                YamlReader reader = new YamlReader(limits, problems, kind);
                String text = reader.decode(bytes);
                root = text == null ? null : reader.read(text);
            }
        } catch (RuntimeException | StackOverflowError e) {
            problems.at(1, 1, "", "could not read the YAML (" + e.getClass().getSimpleName() + ")");
        }
        List<PlanError> errors = problems.sorted(limits.maxErrors());
        return new Document(errors.isEmpty() ? root : null, errors);
    }

    /**
     * Decodes strict UTF-8 and checks that every character is one YAML allows (no NUL, no C0/C1
     * control characters other than tab, line feed, carriage return and NEL) and that no line is
     * longer than {@link #MAX_LINE_LENGTH}. A leading byte order mark is dropped.
     *
     * @return the text, or {@code null} after recording an error at the first bad byte or character
     */
    String decode(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        // Not yet at the end of input: a character cut off by the end of the file is left unread
        // rather than reported malformed, so the two are told apart.
        CoderResult result = decoder.decode(in, out, false);
        boolean truncated = result.isUnderflow() && in.hasRemaining();
        if (!result.isError() && !truncated) {
            decoder.decode(in, out, true);
            decoder.flush(out);
        }
        String text = out.flip().toString();
        int line = 1;
        int column = 1;
        int offset = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (!printable(cp)) {
                problems.at(line, column, "", String.format("control character U+%04X is not allowed in a " + kind
                        + " (byte offset %d); is this a binary file? A " + kind + " is UTF-8 text", cp, offset));
                return null;
            }
            offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (i > 0 || cp != 0xfeff) {
                if (cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029
                        || (cp == '\r' && (next >= text.length() || text.charAt(next) != '\n'))) {
                    line++;
                    column = 1;
                } else if (cp != '\r') {
                    if (column > MAX_LINE_LENGTH) {
                        problems.at(line, column, "", "line " + line + " is longer than " + MAX_LINE_LENGTH
                                + " characters; a " + kind + "'s lines are short, so check that this is the right"
                                + " file");
                        return null;
                    }
                    column++;
                }
            }
            i = next;
        }
        if (result.isError() || truncated) {
            int bad = bytes[in.position()] & 0xff;
            problems.at(line, column, "", truncated
                    ? "the file ends in the middle of a UTF-8 character (byte 0x" + hex(bad) + " at offset "
                            + in.position() + "); save the " + kind + " as UTF-8 text"
                    : "byte 0x" + hex(bad) + " at offset " + in.position()
                            + " is not valid UTF-8; save the " + kind + " as UTF-8 text");
            return null;
        }
        return text.startsWith("\ufeff") ? text.substring(1) : text;
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

    /**
     * Reads one YAML document.
     *
     * @return the root node, or {@code null} when the stream holds no document (an empty file, or
     *     only comments) or when a fatal error was recorded
     */
    YamlNode read(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(limits.maxBytes()); // never more code points than the file had bytes
        options.setNestingDepthLimit(limits.maxDepth());
        options.setMaxAliasesForCollections(limits.maxAliases());
        options.setMergeOnCompose(false); // `<<` stays a key, which the validator refuses by name
        options.setProcessComments(false);
        // Duplicate and recursive keys are settings of SnakeYAML's constructor, which never runs here:
        // duplicates are reported by PlanValidator (naming both lines), aliases into their own anchor by Watch.
        Watch watch = new Watch(new ParserImpl(new StreamReader(text), options));
        try {
            Composer composer = new Composer(watch, new Resolver(), options);
            Node root = composer.checkNode() ? composer.getNode() : null;
            if (!watch.checkEvent(Event.ID.StreamEnd)) {
                Mark at = watch.peekEvent().getStartMark();
                throw problems.fatal(line(at), column(at), "", "a " + kind + " is one YAML document, but a second one"
                        + " starts here; remove the `---` and what follows, or put it in its own file");
            }
            return root == null ? null : new Copy(watch.aliases.iterator()).copy(root, "");
        } catch (Problems.Fatal stop) {
            return null;
        } catch (MarkedYAMLException e) {
            if (!watch.alreadyReported(e.getProblemMark())) {
                syntaxError(e, watch);
            }
            return null;
        } catch (YAMLException | StackOverflowError e) {
            String message = String.valueOf(e.getMessage());
            problems.at(line(watch.last), column(watch.last), watch.currentPath(), message.startsWith(DEPTH_EXCEEDED)
                    ? "nesting is deeper than " + limits.maxDepth() + " levels; "
                            + (PLAN.equals(kind) ? "a plan needs no more than 6, so " : "") + "flatten this structure"
                    : "could not read the YAML: " + Texts.escape(message));
            return null;
        }
    }

    private static int line(Mark mark) {
        return mark == null ? 1 : mark.getLine() + 1;
    }

    private static int column(Mark mark) {
        return mark == null ? 1 : mark.getColumn() + 1;
    }

    /**
     * Passes the parser's events to the composer and keeps what SnakeYAML does not: the last event's
     * position and field path (for errors it reports without them), the aliases' positions, and the
     * checks on tags, aliases and the number of nodes.
     */
    private final class Watch implements Parser {

        /** An open mapping or list, for field paths. */
        private static final class Frame {
            final boolean mapping;
            final String path;
            final String anchor;
            int index;
            boolean atValue;
            String key;

            Frame(boolean mapping, String path, String anchor) {
                this.mapping = mapping;
                this.path = path;
                this.anchor = anchor;
            }

            String childPath() {
                if (!mapping) {
                    return Paths.index(path, index);
                }
                return atValue && key != null ? Paths.field(path, key) : path;
            }

            void advance(Event child) {
                if (!mapping) {
                    index++;
                } else if (!atValue) {
                    key = child instanceof ScalarEvent scalar ? scalar.getValue() : null;
                    atValue = true;
                } else {
                    atValue = false;
                }
            }
        }

        private final Parser parser;
        private final Deque<Frame> frames = new ArrayDeque<>();
        /** Anchor name to whether the node it names is complete (an alias to an open one is a cycle). */
        private final Map<String, Boolean> anchors = new HashMap<>();
        /** Where each alias is written, in document order. */
        final List<Mark> aliases = new ArrayList<>();
        private final List<Mark> tags = new ArrayList<>();
        private long nodes;
        Mark last;

        Watch(Parser parser) {
            this.parser = parser;
        }

        @Override
        public boolean checkEvent(Event.ID choice) {
            return parser.checkEvent(choice);
        }

        @Override
        public Event peekEvent() {
            Event event = parser.peekEvent();
            if (event != null) {
                last = event.getStartMark();
            }
            return event;
        }

        @Override
        public Event getEvent() {
            Event event = parser.getEvent();
            last = event.getStartMark();
            if (event instanceof NodeEvent node) {
                String path = currentPath();
                if (!frames.isEmpty()) {
                    frames.peek().advance(event);
                }
                if (event instanceof AliasEvent) {
                    alias(node.getAnchor(), path);
                } else {
                    nodeRead(node, path);
                }
            } else if (event instanceof CollectionEndEvent) {
                Frame frame = frames.pop();
                if (frame.anchor != null) {
                    anchors.put(frame.anchor, true);
                }
            }
            return event;
        }

        private void nodeRead(NodeEvent event, String path) {
            if (++nodes > limits.maxNodes()) {
                throw tooManyNodes(last, path);
            }
            String tag = event instanceof ScalarEvent scalar ? scalar.getTag()
                    : ((CollectionStartEvent) event).getTag();
            if (tag != null) {
                tags.add(last);
                String written = tag.startsWith("tag:yaml.org,2002:") ? "!!" + tag.substring(18) : tag;
                problems.at(line(last), column(last), path, "type tags like " + Texts.code(written)
                        + " are not allowed in a " + kind + "; remove the tag and write the plain value");
            }
            if (event instanceof CollectionStartEvent) {
                frames.push(new Frame(event instanceof MappingStartEvent, path, event.getAnchor()));
            }
            if (event.getAnchor() != null) {
                anchors.put(event.getAnchor(), event instanceof ScalarEvent);
            }
        }

        private void alias(String name, String path) {
            if (aliases.size() >= limits.maxAliases()) {
                throw problems.fatal(line(last), column(last), path, "more than " + limits.maxAliases()
                        + " aliases (*name) in one " + kind + "; write the values out instead");
            }
            if (!Boolean.TRUE.equals(anchors.get(name))) {
                String shown = Texts.escape(String.valueOf(name));
                throw problems.fatal(line(last), column(last), path, "alias *" + shown + " refers to no complete"
                        + " anchor before it; define &" + shown + " earlier (an alias cannot point into the"
                        + " structure that contains it)");
            }
            aliases.add(last);
        }

        String currentPath() {
            Frame top = frames.peek();
            return top == null ? "" : top.childPath();
        }

        String openPath() {
            Frame top = frames.peek();
            return top == null ? "" : top.path;
        }

        /**
         * SnakeYAML refuses a global tag ({@code !<tag:...>}) with an error of its own at the node that
         * was already reported here; that one is not reported twice.
         */
        boolean alreadyReported(Mark mark) {
            return mark != null && tags.stream().anyMatch(t -> t.getIndex() == mark.getIndex());
        }
    }

    private Problems.Fatal tooManyNodes(Mark at, String path) {
        return problems.fatal(line(at), column(at), path, "the document expands to more than "
                + limits.maxNodes() + " nodes (counting what every alias repeats); "
                + (PLAN.equals(kind) ? "a plan needs far fewer, so " : "") + "write it out plainly");
    }

    /**
     * Copies SnakeYAML's tree into {@link YamlNode}s. The composer hands an alias the very node its
     * anchor names, so a node met a second time is an alias; the walk meets them in document order,
     * which is the order {@link Watch} saw the aliases in, so each copy is placed where its alias is.
     */
    private final class Copy {
        private final Iterator<Mark> aliases;
        private final Map<Node, YamlNode> copied = new IdentityHashMap<>();
        private final Map<Node, Long> sizes = new IdentityHashMap<>();
        private long nodes;

        Copy(Iterator<Mark> aliases) {
            this.aliases = aliases;
        }

        YamlNode copy(Node node, String path) {
            YamlNode seen = copied.get(node);
            if (seen != null) {
                Mark at = aliases.next();
                count(sizes.get(node), at, path);
                return seen.at(line(at), column(at));
            }
            Mark at = node.getStartMark();
            count(1, at, path);
            long before = nodes;
            YamlNode result;
            if (node instanceof ScalarNode scalar) {
                result = new YamlNode.Scalar(scalar.getValue(), scalar.isPlain(), line(at), column(at));
            } else if (node instanceof SequenceNode sequence) {
                List<YamlNode> items = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    items.add(copy(item, Paths.index(path, items.size())));
                }
                result = new YamlNode.Sequence(List.copyOf(items), line(at), column(at));
            } else {
                List<YamlNode.Entry> entries = new ArrayList<>();
                for (NodeTuple tuple : ((MappingNode) node).getValue()) {
                    YamlNode key = copy(tuple.getKeyNode(), path);
                    String valuePath = key instanceof YamlNode.Scalar s ? Paths.field(path, s.text()) : path;
                    entries.add(new YamlNode.Entry(key, copy(tuple.getValueNode(), valuePath)));
                }
                result = new YamlNode.Mapping(List.copyOf(entries), line(at), column(at));
            }
            sizes.put(node, nodes - before + 1);
            copied.put(node, result);
            return result;
        }

        private void count(long size, Mark at, String path) {
            nodes += size;
            if (nodes > limits.maxNodes()) {
                throw tooManyNodes(at, path);
            }
        }
    }

    private void syntaxError(MarkedYAMLException e, Watch watch) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        if (mark == null) {
            mark = watch.last;
        }
        StringBuilder message = new StringBuilder("YAML syntax error: ");
        String problem = e.getProblem();
        message.append(problem == null ? "the YAML is malformed" : oneLine(problem));
        Mark context = e.getContextMark();
        if (e.getContext() != null && context != null) {
            message.append(" (").append(oneLine(e.getContext())).append(" that starts at line ")
                    .append(context.getLine() + 1).append(", column ").append(context.getColumn() + 1).append(')');
        }
        message.append("; check the indentation, the colons, and that every bracket and quote is closed");
        problems.at(line(mark), column(mark), watch.openPath(), message.toString());
    }

    private static String oneLine(String text) {
        String flat = text.replaceAll("\\s+", " ").trim();
        return flat.length() > 200 ? flat.substring(0, 200) + "\u2026" : flat;
    }
}
