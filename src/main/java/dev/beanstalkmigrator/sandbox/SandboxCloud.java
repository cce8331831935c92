package dev.beanstalkmigrator.sandbox;

import dev.beanstalkmigrator.model.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An embedded, in-memory simulation of the parts of AWS the migrator uses (S3, Elastic Beanstalk, ECS, CloudWatch
 * Logs), speaking the real wire protocols on one HTTP listener at {@code http://127.0.0.1:<port>} so that the AWS SDK
 * and the AWS CLI work against it unchanged (endpoint override; path-style S3). Signatures are not verified.
 * <p>
 * Requests go to a service by the SigV4 credential scope of their {@code Authorization} header, else by
 * {@code X-Amz-Target}, else by a form body with {@code Action=} (Elastic Beanstalk), else S3. Paths under
 * {@code /_sandbox/} are the JSON control API (see {@link SandboxControl}).
 */
public final class SandboxCloud implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SandboxCloud.class.getName());
    static final String DEFAULT_PLAN_BUCKET = "acme-migrator";
    static final String DEFAULT_PLAN_KEY = "desired-state.yaml";

    static {
        // The JDK server writes the status line and headers, then the body, in two writes: without TCP_NODELAY a
        // client's delayed ACK holds the body back ~40 ms per call. The JDK reads this once, when its first
        // HttpServer is made; an explicit setting is left alone.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final SandboxOptions options;
    private final SandboxSeed seed;
    private final ObjectMapper json = new ObjectMapper().registerModule(SandboxSeed.durationModule());
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService planWatcher;
    private final S3Service s3;
    private final BeanstalkService beanstalk;
    private final EcsService ecs;
    private final LogsService logs;
    private final StsService sts;
    /** The seed's own account and Region: what every call reaches that names no other. */
    private final World main;
    /** Every account and Region a call has reached (or the seed named), by {@code account/region}. */
    private final Map<String, World> worlds = new ConcurrentHashMap<>();
    private final SqsService sqs;
    /** Delivers S3's event notifications to queues, as S3 does: later than the write, and not always once. */
    private final ScheduledExecutorService eventDeliveries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-s3-events");
        t.setDaemon(true);
        return t;
    });
    private volatile EventDelivery eventDelivery = EventDelivery.PROMPT;
    private java.util.Random eventRandom = new java.util.Random();

    /**
     * How the bucket's event notifications reach their queues: {@code delay} after the write (S3: "typically in
     * seconds but can sometimes take a minute or longer"), a second copy with probability {@code duplicate} (at least
     * once), none with probability {@code loss} (a fault S3 does not promise against, for the suite's worst case).
     */
    public record EventDelivery(Duration delay, double duplicate, double loss) {
        public static final EventDelivery PROMPT = new EventDelivery(Duration.ZERO, 0, 0);
    }
    private final Faults faults;
    private final SandboxControl control;
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final List<HeldAnswer> holds = new CopyOnWriteArrayList<>();
    private final List<Consumer<SandboxCall>> callWatchers = new CopyOnWriteArrayList<>();
    private final List<ObjectWrite> writes = new java.util.ArrayList<>();
    /** The last watched write of each ledger, by key. */
    private final Map<String, ObjectWrite> lastWrites = new HashMap<>();
    private final AtomicInteger planUploads = new AtomicInteger();
    private final String planBucket;
    private final String planKey;
    private volatile byte[] lastPlanHash;
    private volatile boolean closed;

    private SandboxCloud(SandboxOptions options, SandboxSeed seed) throws IOException {
        this.options = options;
        this.seed = seed;
        this.s3 = new S3Service(seed.region());
        this.main = new World(seed);
        this.beanstalk = main.beanstalk;
        this.logs = main.logs;
        worlds.put(main.key(), main);
        this.sts = new StsService(seed.account(), seed.roles());
        this.sqs = new SqsService(json, seed.region(), seed.account(), this::endpoint);
        String queueArnPrefix = "arn:aws:sqs:" + seed.region() + ":" + seed.account() + ":";
        s3.setEventSink(new S3Service.EventSink() {
            @Override
            public boolean queueExists(String queueArn) {
                return queueArn.startsWith(queueArnPrefix) && sqs.exists(queueArn.substring(queueArnPrefix.length()));
            }

            @Override
            public void send(String queueArn, String body) {
                deliverEvent(queueArn.substring(queueArnPrefix.length()), body);
            }
        });
        this.ecs = main.ecs;
        for (SandboxSeed other : seed.worlds()) {
            World w = new World(other);
            worlds.put(w.key(), w);
        }
        this.faults = new Faults(options.faultRandomSeed());
        this.control = new SandboxControl(this, json);
        this.planBucket = options.planBucket() != null ? options.planBucket()
                : seed.plan().bucket() != null ? seed.plan().bucket() : DEFAULT_PLAN_BUCKET;
        this.planKey = options.planKey() != null ? options.planKey()
                : seed.plan().key() != null ? seed.plan().key() : DEFAULT_PLAN_KEY;
        applySeed();

        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(options.threads(), options.threads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(10_000), r -> {
                    Thread t = new Thread(r, "sandbox-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 256);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();

        if (options.plan() != null) {
            uploadPlanIfChanged();
            this.planWatcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sandbox-plan-watcher");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(10, options.planWatchInterval().toMillis());
            planWatcher.scheduleWithFixedDelay(this::uploadPlanQuietly, every, every, TimeUnit.MILLISECONDS);
        } else {
            this.planWatcher = null;
        }
    }

    /** Starts a sandbox with the seed file of the options (none = empty world). */
    public static SandboxCloud start(SandboxOptions options) {
        return start(options, options.seed() == null ? SandboxSeed.empty() : SandboxSeed.read(options.seed()));
    }

    /** Starts a sandbox with a seed built in memory. */
    public static SandboxCloud start(SandboxOptions options, SandboxSeed seed) {
        try {
            return new SandboxCloud(options, seed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sandbox on port " + options.port() + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- basics

    /** {@code http://127.0.0.1:<port>}: the endpoint override for every AWS client. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String region() {
        return seed.region();
    }

    public String account() {
        return seed.account();
    }

    public String planBucket() {
        return planBucket;
    }

    public String planKey() {
        return planKey;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (planWatcher != null) {
            planWatcher.shutdownNow();
        }
        eventDeliveries.shutdownNow();
        // Held answers go out (to whoever still listens), so no handler thread waits past the end.
        holds.forEach(HeldAnswer::release);
        holds.clear();
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- counters

    /**
     * Calls per operation ({@code ecs:RunTask}) and per operation and answered status ({@code s3:GetObject:304},
     * {@code ...:dropped}); ECS calls refused for their rate are also counted as {@code ecs:<Action>:throttled}
     * (ECS's request throttling, {@link #setEcsThrottling}) or {@code ecs:RunTask:launch-throttled} (the task launch
     * rate, {@link #setRunTaskRateLimit}). Injected faults are not counted as throttled.
     */
    public Map<String, Long> calls() {
        Map<String, Long> out = new TreeMap<>();
        calls.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** The count of one key of {@link #calls()}, 0 when never seen. */
    public long calls(String key) {
        LongAdder a = calls.get(key);
        return a == null ? 0 : a.sum();
    }

    public void resetCalls() {
        calls.clear();
    }

    private void count(String key) {
        calls.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    // ---------------------------------------------------------------- faults and load shaping

    public void injectFault(Fault fault) {
        faults.add(fault);
    }

    public List<Fault> faults() {
        return faults.list();
    }

    public void clearFaults() {
        faults.clear();
    }

    /** Delays every call by {@code latency} (a benchmark's network model); zero turns it off. */
    public void setGlobalLatency(Duration latency) {
        faults.setGlobalLatency(latency);
    }

    /**
     * How long a task started by RunTask stays out of ListTasks' answers, as ECS's eventual consistency may keep a
     * just-started task out of them (ECS gives no bound; zero, the default, lists every task at once). A task
     * started less than {@code lag} ago is not listed; RunTask's answer and a RunTask replayed with its client
     * token know it at once (DescribeTasks too, unless {@link #setDescribeTasksLag} says otherwise). In every account
     * and Region.
     */
    public void setListTasksLag(Duration lag) {
        worlds.values().forEach(w -> w.ecs.setListTasksLag(lag));
    }

    public Duration listTasksLag() {
        return ecs.listTasksLag();
    }

    /**
     * How long a task started by RunTask is MISSING to DescribeTasks, as ECS's eventual consistency may answer
     * for a task just started (AWS advises retrying DescribeTasks with backoff; zero, the default, knows every
     * task at once). RunTask's answer and a RunTask replayed with its client token know it at once. In every account
     * and Region.
     */
    public void setDescribeTasksLag(Duration lag) {
        worlds.values().forEach(w -> w.ecs.setDescribeTasksLag(lag));
    }

    public Duration describeTasksLag() {
        return ecs.describeTasksLag();
    }

    /**
     * ECS's request throttling: a token bucket per category of API actions, as {@code throttles} says
     * ({@link EcsThrottles#DOCUMENTED}, perhaps {@link EcsThrottles#scaled}, or {@link EcsThrottles#OFF}, the
     * default), every bucket full from now on. A call over its category's rate is answered HTTP 400
     * {@code ThrottlingException} "Rate exceeded" before it is read, and counted as {@code ecs:<Action>:throttled}.
     */
    public void setEcsThrottling(EcsThrottles throttles) {
        java.util.Objects.requireNonNull(throttles, "throttles");
        worlds.values().forEach(w -> w.ecs.setThrottles(throttles));
    }

    public EcsThrottles ecsThrottling() {
        return ecs.throttles();
    }

    /**
     * Limits the tasks RunTask launches to a token bucket of {@code perSecond} tasks with {@code burst}, as Fargate
     * limits task launches (a call's {@code count} tasks take as many tokens); beyond: ThrottlingException, counted as
     * {@code ecs:RunTask:launch-throttled}. Apart from {@link #setEcsThrottling}, which counts RunTask calls.
     */
    public void setRunTaskRateLimit(double perSecond, int burst) {
        ecs.setRunTaskRateLimit(perSecond, burst);
    }

    public void clearRunTaskRateLimit() {
        ecs.setRunTaskRateLimit(0, 0);
    }

    // ---------------------------------------------------------------- held answers and call watchers

    /**
     * Keeps back the answer to the next call that {@code which} accepts, once that call has taken effect: a test
     * can then act in the instant between the effect and the caller learning of it, as a crash of the caller at
     * that instruction would (kill the caller, then {@link HeldAnswer#release()} or {@link HeldAnswer#drop()}).
     * Examples: the next accepted write of the watched ledger whose new content records something its previous
     * content did not ({@link SandboxCall#ledgerWrite()}, {@link SandboxCall#previousContent()},
     * {@link SandboxCall#content()}); the next RunTask that started a task ({@link SandboxCall#tasksStarted()}).
     *
     * <p>Only calls that reached the simulated service are considered: not control calls, nor calls an injected
     * fault failed or dropped before they ran (an {@link FaultKind#ANSWER_LOST} call ran: it is considered, and
     * its answer is lost whatever the hold decides). The condition runs on the sandbox's thread for each such
     * call while the hold is armed, and must be quick; one that throws counts as not accepting. Several holds may be armed; a call is
     * held by the first armed one (in arming order) that accepts it, and each hold holds at most one call.
     */
    public HeldAnswer holdNext(Predicate<SandboxCall> which) {
        HeldAnswer hold = new HeldAnswer(which);
        holds.add(hold);
        if (closed) {
            hold.cancel();
        }
        return hold;
    }

    /**
     * Shows {@code watcher} every call that reached a simulated service, once it has taken effect and before it is
     * answered (and before any hold considers it), on the thread that carries it: several at once for calls on
     * different connections, so calls that did not wait for each other may be seen out of order
     * ({@link ObjectWrite#seq()} orders ledger writes). A watcher that throws is logged and ignored. Closing the
     * returned handle stops the watching.
     */
    public AutoCloseable watchCalls(Consumer<SandboxCall> watcher) {
        callWatchers.add(watcher);
        return () -> callWatchers.remove(watcher);
    }

    /**
     * Tells the watchers of a call that took effect and lets the first armed hold that accepts it keep its answer
     * back; false when the connection is to be dropped instead of answered.
     */
    private boolean beforeAnswer(HttpExchange ex, SandboxRequest r, String key, SandboxResponse resp) {
        if (holds.isEmpty() && callWatchers.isEmpty()) {
            return true;
        }
        // Copies: the stored object keeps its own bytes whatever a watcher does with these.
        SandboxCall call = new SandboxCall(key, resp.status, ex.getRemoteAddress(), r.putBucket, r.putKey,
                r.previousContent == null ? null : r.previousContent.clone(),
                r.putContent == null ? null : r.putContent.clone(), r.ledgerWrite, r.tasksStarted, System.nanoTime());
        for (Consumer<SandboxCall> watcher : callWatchers) {
            try {
                watcher.accept(call);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sandbox: a call watcher failed on " + call, e);
            }
        }
        holds.removeIf(h -> !h.isArmed() && !h.isHeld());
        for (HeldAnswer hold : holds) {
            boolean mine;
            try {
                mine = hold.claim(call);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sandbox: a hold's condition failed on " + call, e);
                mine = false;
            }
            if (mine) {
                try {
                    return hold.hold(call);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } finally {
                    holds.remove(hold);
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- records and world mutations

    /** Every task started by RunTask, oldest first. */
    public List<RunRecord> runs() {
        return ecs.runs();
    }

    /** Every task started by RunTask in any account and Region: the seed's own first, each world's oldest first. */
    public List<RunRecord> runsEverywhere() {
        List<RunRecord> all = new ArrayList<>(main.ecs.runs());
        worlds.values().stream().filter(w -> w != main).forEach(w -> all.addAll(w.ecs.runs()));
        return all;
    }

    /** Every task started by RunTask in {@code account} and {@code region}, oldest first; none for a world never seen. */
    public List<RunRecord> runs(String account, String region) {
        World w = worlds.get(account + "/" + region);
        return w == null ? List.of() : w.ecs.runs();
    }

    public void clearRuns() {
        ecs.clearRuns();
    }

    /**
     * Records from now on every object write (PutObject, CompleteMultipartUpload) accepted on the status ledger
     * {@code bucket}/{@code ledgerKey}, with the lease holder it names (its {@code lease.holder}) and the one named by
     * the write before it (see {@link ObjectWrite}). Only identities are kept, not bodies.
     */
    public void watchLedger(String bucket, String ledgerKey) {
        watchLedgers(bucket, ledgerKey::equals);
    }

    /**
     * {@link #watchLedger} for every ledger whose key {@code ledgers} accepts (the ledgers of a prefix of plans): each
     * write names the holder of the write before it to the same ledger.
     */
    public void watchLedgers(String bucket, java.util.function.Predicate<String> ledgers) {
        watchLedgers(bucket, ledgers, (key, content) -> { });
    }

    private void watchLedgers(String bucket, java.util.function.Predicate<String> ledgers,
                              java.util.function.BiConsumer<String, byte[]> others) {
        synchronized (writes) {
            writes.clear();
            lastWrites.clear();
        }
        s3.setPutListener((request, b, key, content, etag) -> {
            if (!b.equals(bucket)) {
                return;
            }
            if (!ledgers.test(key)) {
                others.accept(key, content);
                return;
            }
            long now = System.nanoTime();
            String holder = nested(content, "lease", "holder");
            ObjectWrite write;
            synchronized (writes) {
                ObjectWrite previous = lastWrites.get(key);
                write = new ObjectWrite(writes.size(), key, etag, holder,
                        previous == null ? null : previous.holder(), previous == null ? -1 : now - previous.atNanos(),
                        now, Instant.now());
                writes.add(write);
                lastWrites.put(key, write);
            }
            request.ledgerWrite = write;
        });
    }

    /**
     * An interval during which the stored roster of a prefix of plans gave a plan to one replica (sandbox monotonic
     * clock).
     *
     * @param handover the roster marked it handed over from a replica still serving (its new holder waits a lease)
     * @param untilNanos when a write gave it to another, or dropped it; {@link Long#MAX_VALUE} while it lasts
     */
    public record RosterAssignment(String holder, boolean handover, long sinceNanos, long untilNanos) {}

    private final Map<String, List<RosterAssignment>> rosterAssignments = new HashMap<>();

    /**
     * {@link #watchLedgers} for the ledgers of a prefix of plans, and the roster at {@code rosterKey} beside them:
     * every accepted write of the roster is read, as stored, for which replica it gives each plan
     * ({@link #rosterAssignments}).
     */
    public void watchPlans(String bucket, java.util.function.Predicate<String> ledgers, String rosterKey) {
        synchronized (writes) {
            rosterAssignments.clear();
        }
        watchLedgers(bucket, ledgers, (key, content) -> {
            if (!key.equals(rosterKey)) {
                return;
            }
            Map<String, String[]> given = new HashMap<>();
            try {
                com.fasterxml.jackson.databind.JsonNode plans = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(content).path("plans");
                plans.fields().forEachRemaining(e -> given.put(e.getKey(), new String[] {
                        e.getValue().path("holder").asText(""),
                        String.valueOf(e.getValue().path("handover").asBoolean(false))}));
            } catch (java.io.IOException | RuntimeException notARoster) {
                // Read as giving nothing to anyone.
            }
            long now = System.nanoTime();
            synchronized (writes) {
                for (Map.Entry<String, List<RosterAssignment>> entry : rosterAssignments.entrySet()) {
                    List<RosterAssignment> history = entry.getValue();
                    RosterAssignment last = history.get(history.size() - 1);
                    String[] now0 = given.get(entry.getKey());
                    if (last.untilNanos() == Long.MAX_VALUE && (now0 == null || !now0[0].equals(last.holder()))) {
                        history.set(history.size() - 1, new RosterAssignment(last.holder(), last.handover(),
                                last.sinceNanos(), now));
                    }
                }
                given.forEach((plan, holder) -> {
                    List<RosterAssignment> history = rosterAssignments.computeIfAbsent(plan,
                            k -> new java.util.ArrayList<>());
                    RosterAssignment last = history.isEmpty() ? null : history.get(history.size() - 1);
                    if (last == null || last.untilNanos() != Long.MAX_VALUE) {
                        history.add(new RosterAssignment(holder[0], Boolean.parseBoolean(holder[1]), now,
                                Long.MAX_VALUE));
                    }
                });
            }
        });
    }

    /** Every interval the watched roster gave {@code plan} to a replica, oldest first (see {@link #watchPlans}). */
    public List<RosterAssignment> rosterAssignments(String plan) {
        synchronized (writes) {
            return List.copyOf(rosterAssignments.getOrDefault(plan, List.of()));
        }
    }

    /** The watched writes accepted so far, oldest first (see {@link #watchLedger}). */
    public List<ObjectWrite> writes() {
        synchronized (writes) {
            return List.copyOf(writes);
        }
    }

    /** The watched writes accepted from index {@code from} on. */
    public List<ObjectWrite> writesSince(int from) {
        synchronized (writes) {
            return List.copyOf(writes.subList(Math.min(from, writes.size()), writes.size()));
        }
    }

    /**
     * The value of {@code field} inside the top-level mapping {@code block} of a YAML document (block style, as
     * the operator writes it), unquoted; "" when absent.
     */
    static String nested(byte[] yaml, String block, String field) {
        boolean inside = false;
        for (String line : new String(yaml, StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith(" ")) {
                inside = line.equals(block + ":");
                continue;
            }
            String trimmed = line.trim();
            if (inside && trimmed.startsWith(field + ":")) {
                String value = trimmed.substring(field.length() + 1).trim();
                if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                return value;
            }
        }
        return "";
    }

    /**
     * Registers an application version (the application is created if needed): in every account and Region that has
     * the application, else in the seed's own.
     */
    public void registerApplicationVersion(String application, String label, String bucket, String key) {
        Instant now = Instant.now();
        List<World> having = worlds.values().stream().filter(w -> w.beanstalk.hasApplication(application)).toList();
        for (World w : having.isEmpty() ? List.of(main) : having) {
            w.beanstalk.addVersion(application, label, null, bucket, key, now);
        }
    }

    /** Sets the version an environment runs, at once and Ready, as if a deployment had just finished. */
    public void setDeployedVersion(String environment, String label) {
        worldsOf(environment).forEach(w -> w.beanstalk.setDeployedVersion(environment, label));
    }

    /** Sets (or with null removes) an environment property of an environment. */
    public void setEnvironmentVariable(String environment, String name, String value) {
        worldsOf(environment).forEach(w -> w.beanstalk.setVariable(environment, name, value));
    }

    /**
     * Sets (or with null removes) an environment secret: the variable {@code name} of the environment comes from the
     * secret or parameter {@code arn} (namespace {@code aws:elasticbeanstalk:application:environmentsecrets}).
     */
    public void setEnvironmentSecret(String environment, String name, String arn) {
        worldsOf(environment).forEach(w -> w.beanstalk.setSecret(environment, name, arn));
    }

    public String deployedVersion(String environment) {
        return worldsOf(environment).get(0).beanstalk.deployedVersion(environment);
    }

    /** Ready or Updating. */
    public String environmentStatus(String environment) {
        return worldsOf(environment).get(0).beanstalk.status(environment);
    }

    /**
     * The accounts and Regions that have an environment of that name, the seed's own first (one name may be used in
     * several: they are different environments, and a change made here is made to each); the seed's own when none
     * has it, which then answers that it has no such environment.
     */
    private List<World> worldsOf(String environment) {
        List<World> having = new ArrayList<>();
        if (main.beanstalk.hasEnvironment(environment)) {
            having.add(main);
        }
        worlds.values().stream().filter(w -> w != main && w.beanstalk.hasEnvironment(environment))
                .forEach(having::add);
        return having.isEmpty() ? List.of(main) : having;
    }

    /** The account and Region of a task ARN ({@code arn:aws:ecs:REGION:ACCOUNT:task/...}); the seed's own for an id. */
    private World worldOfTask(String taskArnOrId) {
        String[] parts = taskArnOrId.split(":", 6);
        if (parts.length == 6) {
            World w = worlds.get(parts[4] + "/" + parts[3]);
            if (w != null) {
                return w;
            }
        }
        return main;
    }

    /**
     * What the operator may not do downstream when it updates {@code environment} (an action such as
     * {@code cloudformation:UpdateStack}, or null: everything), and the environment's operations role (null: none).
     */
    public void setDeployAccess(String environment, String deployDenied, String operationsRole) {
        beanstalk.setDeployAccess(environment, deployDenied, operationsRole);
    }

    /** Registers an EC2 container instance in {@code cluster} (null fields: the seed's defaults); answers its ARN. */
    public String addContainerInstance(String cluster, SandboxSeed.ContainerInstance instance) {
        return ecs.addContainerInstance(cluster, instance);
    }

    /**
     * Sets what is free on a container instance before the sandbox's own tasks (null: unchanged), or whether its
     * agent is connected: capacity taken by something else, or given back.
     */
    public void setContainerInstance(String cluster, String idOrArn, Integer remainingCpu, Integer remainingMemory,
            Boolean agentConnected) {
        ecs.setContainerInstance(cluster, idOrArn, remainingCpu, remainingMemory, agentConnected);
    }

    /** The container instances of {@code cluster}, with what is free on each. */
    com.fasterxml.jackson.databind.node.ArrayNode containerInstances(String cluster) {
        return ecs.containerInstanceSummaries(cluster);
    }

    /** Deregisters a container instance; answers whether it was there. */
    public boolean removeContainerInstance(String cluster, String idOrArn) {
        return ecs.removeContainerInstance(cluster, idOrArn);
    }

    /** Forgets a task (ARN or id) as if ECS had dropped it: DescribeTasks reports it MISSING. */
    public boolean expireTask(String taskArnOrId) {
        return worldOfTask(taskArnOrId).ecs.expire(taskArnOrId);
    }

    /**
     * When a task's containers stopped, or null while they run (a stopping task runs until its container exits or
     * is killed after its stop timeout). Sees tasks ECS has forgotten too.
     */
    public Instant taskStoppedAt(String taskArnOrId) {
        return worldOfTask(taskArnOrId).ecs.stoppedAt(taskArnOrId);
    }

    /**
     * The exit code the task's container stopped with, or null while it runs, when it never started, or for a task
     * unknown; like {@link #taskStoppedAt}, it sees tasks ECS has forgotten.
     */
    public Integer taskExitCode(String taskArnOrId) {
        return worldOfTask(taskArnOrId).ecs.exitCode(taskArnOrId);
    }

    /** Sets how S3's event notifications are delivered from now on; {@code seed} makes the draws repeatable. */
    public synchronized void setEventDelivery(EventDelivery delivery, long seed) {
        this.eventDelivery = delivery;
        this.eventRandom = new java.util.Random(seed);
    }

    private void deliverEvent(String queue, String body) {
        EventDelivery d = eventDelivery;
        int copies;
        synchronized (this) {
            copies = eventRandom.nextDouble() < d.loss() ? 0 : eventRandom.nextDouble() < d.duplicate() ? 2 : 1;
        }
        count("s3:event:" + (copies == 0 ? "lost" : copies == 2 ? "duplicated" : "sent"));
        for (int i = 0; i < copies; i++) {
            eventDeliveries.schedule(() -> sqs.deliver(queue, body), d.delay().toMillis() * (i + 1),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Sends {@code body} to the queue named {@code queue}, as a producer would; false when there is no such queue. */
    public boolean sendToQueue(String queue, String body) {
        return sqs.deliver(queue, body);
    }

    /** Replaces the task behaviours (default and rules) for tasks started from now on, in every account and Region. */
    public void setTaskBehaviours(SandboxSeed.TaskBehaviours behaviours) {
        worlds.values().forEach(w -> w.ecs.setBehaviours(behaviours));
    }

    public SandboxSeed.TaskBehaviours taskBehaviours() {
        return ecs.behaviours();
    }

    /** Writes an object straight into the store (no call counted). */
    public void putObject(String bucket, String key, byte[] content) {
        // As an upload: the bucket's event notifications hear of it.
        s3.putNotified(bucket, key, content);
    }

    /**
     * Deletes an object as a person would, outside the faults armed for the operator's calls: the bucket's event
     * notifications hear of it.
     */
    public void deleteObject(String bucket, String key) {
        s3.deleteNotified(bucket, key);
    }

    /** An object's bytes, or null. */
    public byte[] getObject(String bucket, String key) {
        S3Service.S3Object o = s3.get(bucket, key);
        return o == null ? null : o.content().clone();
    }

    /** How many times the plan file was uploaded. */
    public int planUploads() {
        return planUploads.get();
    }

    // ---------------------------------------------------------------- seed and plan

    private void applySeed() {
        seed.buckets().forEach(s3::createBucket);
        s3.createBucket(planBucket);
        seedWorld(seed, main);
        for (SandboxSeed other : seed.worlds()) {
            seedWorld(other, worlds.get(other.account() + "/" + other.region()));
        }
    }

    /** The applications, clusters, task definitions and capacity of one account and Region. */
    private void seedWorld(SandboxSeed place, World w) {
        Instant base = Instant.now();
        for (SandboxSeed.Application app : place.applications()) {
            w.beanstalk.createApplication(app.name());
            int n = app.versions().size();
            for (int i = 0; i < n; i++) {
                SandboxSeed.Version v = app.versions().get(i);
                SandboxSeed.Bundle b = v.bundle();
                if (b != null) {
                    s3.put(b.bucket(), b.key(), bundleBytes(b), b.format().equals("zip") ? "application/zip" : null);
                }
                w.beanstalk.addVersion(app.name(), v.label(), v.description(), b == null ? null : b.bucket(),
                        b == null ? null : b.key(), base.minus(Duration.ofHours(n - i)));
            }
            for (SandboxSeed.Environment e : app.environments()) {
                w.beanstalk.createEnvironment(app.name(), e.name(), e.version(), e.variables(), e.platformArn(),
                        e.solutionStack(), base.minus(Duration.ofDays(30)));
                e.secrets().forEach((name, arn) -> w.beanstalk.setSecret(e.name(), name, arn));
                w.beanstalk.setDeployAccess(e.name(), e.deployDenied(), e.operationsRole());
            }
        }
        place.clusters().forEach(w.ecs::createCluster);
        place.containerInstances().forEach((cluster, set) -> set.instances()
                .forEach(instance -> w.ecs.addContainerInstance(cluster, instance)));
        for (SandboxSeed.TaskDefinition td : place.taskDefinitions()) {
            w.ecs.registerTaskDefinition(taskDefinitionRequest(td, w.region));
            td.containers().stream().filter(c -> c.logGroup() != null).forEach(c -> w.logs.createGroup(c.logGroup()));
        }
        for (SandboxSeed.Application app : place.applications()) {
            for (SandboxSeed.Environment e : app.environments()) {
                if (e.ecs() != null) {
                    // Elastic Beanstalk's default tags on what it creates for an environment.
                    w.ecs.createCluster(e.ecs().cluster(), e.ecs().tagged()
                            ? Map.of("elasticbeanstalk:environment-name", e.name(),
                                    "elasticbeanstalk:environment-id", w.beanstalk.id(e.name()))
                            : Map.of());
                    if (e.ecs().tasks() > 0) {
                        w.ecs.startAppTasks(e.ecs().cluster(), e.ecs().taskDefinition(), e.ecs().tasks());
                    }
                }
            }
        }
    }

    private ObjectNode taskDefinitionRequest(SandboxSeed.TaskDefinition td, String region) {
        ObjectNode in = json.createObjectNode();
        in.put("family", td.family());
        ArrayNode defs = in.putArray("containerDefinitions");
        for (SandboxSeed.Container c : td.containers()) {
            ObjectNode d = defs.addObject().put("name", c.name()).put("image", c.image())
                    .put("essential", c.essential() == null || c.essential());
            if (c.command() != null) {
                ArrayNode cmd = d.putArray("command");
                c.command().forEach(cmd::add);
            }
            ArrayNode env = d.putArray("environment");
            c.environment().forEach((k, v) -> env.addObject().put("name", k).put("value", v));
            if (c.cpu() != null) {
                d.put("cpu", c.cpu());
            }
            if (c.memory() != null) {
                d.put("memory", c.memory());
            }
            if (c.logGroup() != null) {
                ObjectNode lc = d.putObject("logConfiguration").put("logDriver", "awslogs");
                lc.putObject("options").put("awslogs-group", c.logGroup()).put("awslogs-region", region)
                        .put("awslogs-stream-prefix", c.logStreamPrefix() == null ? "ecs" : c.logStreamPrefix());
            }
        }
        if (td.networkMode() != null) {
            in.put("networkMode", td.networkMode());
        }
        if (!td.requiresCompatibilities().isEmpty()) {
            ArrayNode rc = in.putArray("requiresCompatibilities");
            td.requiresCompatibilities().forEach(rc::add);
        }
        if (td.cpu() != null) {
            in.put("cpu", td.cpu());
        }
        if (td.memory() != null) {
            in.put("memory", td.memory());
        }
        if (td.executionRoleArn() != null) {
            in.put("executionRoleArn", td.executionRoleArn());
        }
        if (td.taskRoleArn() != null) {
            in.put("taskRoleArn", td.taskRoleArn());
        }
        if (!td.tags().isEmpty()) {
            ArrayNode tags = in.putArray("tags");
            td.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
        }
        return in;
    }

    static byte[] bundleBytes(SandboxSeed.Bundle b) {
        if (b.format().equals("plain")) {
            return b.files().isEmpty() ? new byte[0]
                    : b.files().values().iterator().next().getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> f : b.files().entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private void uploadPlanQuietly() {
        try {
            uploadPlanIfChanged();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "sandbox: cannot upload the plan file " + options.plan() + ": " + e.getMessage());
        }
    }

    private synchronized void uploadPlanIfChanged() {
        Path plan = options.plan();
        byte[] content;
        try {
            content = Files.readAllBytes(plan);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] hash = Digests.digest("SHA-256", content);
        if (lastPlanHash != null && Arrays.equals(hash, lastPlanHash)) {
            return;
        }
        s3.put(planBucket, planKey, content, "application/yaml");
        lastPlanHash = hash;
        planUploads.incrementAndGet();
        LOG.fine(() -> "sandbox: uploaded plan " + plan + " to s3://" + planBucket + "/" + planKey);
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) {
        try {
            String rawPath = ex.getRequestURI().getRawPath();
            if (rawPath != null && (rawPath.equals("/_sandbox") || rawPath.startsWith("/_sandbox/"))) {
                byte[] body = readBody(ex.getRequestBody());
                write(ex, control.handle(ex.getRequestMethod(), rawPath, body), false);
                return;
            }
            byte[] body = readBody(ex.getRequestBody());
            SandboxRequest r = new SandboxRequest(ex.getRequestMethod().toUpperCase(Locale.ROOT), rawPath,
                    ex.getRequestURI().getRawQuery(), ex.getRequestHeaders(), body, UUID.randomUUID().toString());
            Map<String, List<String>> form = null;
            r.service = serviceOf(r);
            switch (r.service) {
                case "s3" -> r.operation = S3Service.operation(r);
                case "ecs", "logs" -> {
                    String target = r.header("X-Amz-Target");
                    r.operation = target == null ? "Unknown" : EcsService.operation(target);
                }
                case "elasticbeanstalk" -> {
                    form = SandboxRequest.parseForm(r.bodyText());
                    form.putAll(r.query);
                    r.operation = BeanstalkService.operation(r, form);
                }
                case "sts" -> {
                    form = SandboxRequest.parseForm(r.bodyText());
                    form.putAll(r.query);
                    r.operation = StsService.operation(form);
                }
                case "sqs" -> {
                    if (!SqsService.isJson(r)) {
                        form = SandboxRequest.parseForm(r.bodyText());
                        form.putAll(r.query);
                    }
                    r.operation = SqsService.operation(r, form);
                }
                default -> r.operation = "Unknown";
            }
            String key = r.service + ":" + r.operation;
            count(key);
            Faults.Decision d = faults.decide(key, r.service);
            if (!d.latency().isZero()) {
                try {
                    Thread.sleep(d.latency().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ex.close();
                    return;
                }
            }
            SandboxResponse resp;
            boolean answerLost = d.failure() == FaultKind.ANSWER_LOST;
            if (d.failure() == FaultKind.DROP) {
                count(key + ":dropped");
                ex.close(); // no status line was sent: closing the exchange closes the connection
                return;
            } else if (d.failure() != null && !answerLost) {
                resp = render(r, faultError(r.service, d.failure()));
            } else {
                try {
                    resp = dispatch(r, form);
                } catch (ServiceError e) {
                    resp = render(r, e);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "sandbox: " + key + " failed", e);
                    resp = render(r, internal(r.service, e));
                }
            }
            if (r.throttled != null) {
                count(key + ":" + r.throttled);
            }
            if ((d.failure() == null || answerLost) && (!beforeAnswer(ex, r, key, resp) || answerLost)) {
                // Handled and in effect, but the caller never hears of it.
                count(key + ":dropped");
                ex.close();
                return;
            }
            count(key + ":" + resp.status);
            resp.header("x-amz-request-id", r.requestId);
            if (!r.service.equals("s3")) {
                resp.header("x-amzn-RequestId", r.requestId);
            }
            write(ex, resp, r.method.equals("HEAD"));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "sandbox: request failed", e);
            ex.close();
        }
    }

    private SandboxResponse dispatch(SandboxRequest r, Map<String, List<String>> form) {
        return switch (r.service) {
            case "s3" -> s3.handle(r);
            case "ecs" -> worldOf(r).ecs.handle(r);
            case "logs" -> worldOf(r).logs.handle(r);
            case "elasticbeanstalk" -> worldOf(r).beanstalk.handle(r, form);
            case "sts" -> sts.handle(r, form, accessKeyOf(r));
            case "sqs" -> sqs.handle(r, form);
            default -> throw new ServiceError(400, "UnrecognizedClientException",
                    "The sandbox does not simulate the service '" + r.service + "'.");
        };
    }

    private SandboxResponse render(SandboxRequest r, ServiceError e) {
        return switch (r.service) {
            case "s3" -> S3Service.error(r, e);
            case "elasticbeanstalk" -> BeanstalkService.error(r, e);
            case "sts" -> StsService.error(r, e);
            case "sqs" -> SqsService.error(json, r, e);
            default -> EcsService.error(json, e);
        };
    }

    static ServiceError faultError(String service, FaultKind kind) {
        return switch (kind) {
            case THROTTLE -> switch (service) {
                case "s3" -> new ServiceError(503, "SlowDown", "Please reduce your request rate.");
                case "elasticbeanstalk" -> new ServiceError(400, "Throttling", "Rate exceeded");
                default -> EcsService.rateExceeded();
            };
            case SERVER_ERROR -> switch (service) {
                case "s3" -> new ServiceError(500, "InternalError", "We encountered an internal error. Please try again.");
                case "elasticbeanstalk" -> new ServiceError(500, "InternalFailure",
                        "The request processing has failed because of an unknown error, exception or failure.");
                case "logs" -> new ServiceError(500, "ServiceUnavailableException", "The service cannot complete the request.");
                default -> new ServiceError(500, "ServerException", "Service Unavailable. Please try again later.");
            };
            case CONFLICT -> new ServiceError(409, "ConditionalRequestConflict",
                    "A conflicting conditional operation is currently in progress against this resource. Please try again.");
            case PRECONDITION -> new ServiceError(412, "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold");
            default -> throw new IllegalArgumentException(kind.name());
        };
    }

    private static ServiceError internal(String service, RuntimeException e) {
        return faultError(service.equals("s3") || service.equals("elasticbeanstalk") || service.equals("logs") ? service : "ecs",
                FaultKind.SERVER_ERROR);
    }

    /**
     * One account in one Region: its Elastic Beanstalk, ECS and CloudWatch Logs, apart from every other's (S3, STS
     * and SQS are the sandbox's own, as S3's namespace and STS are global). A call reaches the world of the account its
     * credentials stand for (a role's, when STS minted them; else the seed's) in the Region its signature names.
     */
    private final class World {
        final String account;
        final String region;
        final BeanstalkService beanstalk;
        final LogsService logs;
        final EcsService ecs;

        World(SandboxSeed seed) {
            this.account = seed.account();
            this.region = seed.region();
            this.beanstalk = new BeanstalkService(region, account, SandboxCloud.this.seed::environmentUpdateDuration);
            this.logs = new LogsService(json, region, account);
            SandboxSeed.TaskBehaviours behaviours = seed.tasks().rules().isEmpty() && seed.tasks().defaults()
                    .duration() == null ? SandboxCloud.this.seed.tasks() : seed.tasks();
            this.ecs = new EcsService(json, region, account, logs, SandboxCloud.this.seed::stoppedTaskRetention,
                    behaviours);
            this.ecs.setSecretValues(seed.secretValues());
        }

        String key() {
            return account + "/" + region;
        }
    }

    /** The world a request reaches: its credentials' account, its signature's Region; an empty one if new. */
    private World worldOf(SandboxRequest r) {
        StsService.Identity identity = sts.identity(accessKeyOf(r));
        String account = identity != null ? identity.account() : main.account;
        String region = regionOf(r);
        String key = account + "/" + (region == null ? main.region : region);
        World w = worlds.get(key);
        if (w == null) {
            w = worlds.computeIfAbsent(key, k -> new World(SandboxSeed.empty().in(account,
                    region == null ? main.region : region)));
        }
        return w;
    }

    /**
     * The parts of a request's SigV4 credential ({@code AKID/date/region/service/aws4_request}), from its
     * {@code Authorization} header or a presigned URL's {@code X-Amz-Credential}; empty when it is unsigned.
     */
    static String[] credentialOf(SandboxRequest r) {
        String auth = r.header("Authorization");
        String credential = null;
        if (auth != null && auth.indexOf("Credential=") >= 0) {
            int i = auth.indexOf("Credential=") + 11;
            int end = auth.indexOf(',', i);
            credential = auth.substring(i, end < 0 ? auth.length() : end).trim();
        } else if (r.q("X-Amz-Credential") != null) {
            credential = r.q("X-Amz-Credential");
        }
        String[] parts = credential == null ? new String[0] : credential.split("/");
        return parts.length >= 5 ? parts : new String[0];
    }

    /** The Region of a request's SigV4 credential scope, or null when unsigned. */
    static String regionOf(SandboxRequest r) {
        String[] parts = credentialOf(r);
        return parts.length == 0 ? null : parts[parts.length - 3];
    }

    /** The access key a request is signed with (its SigV4 credential's first part), or null when unsigned. */
    static String accessKeyOf(SandboxRequest r) {
        String[] parts = credentialOf(r);
        return parts.length == 0 ? null : parts[0];
    }

    static String serviceOf(SandboxRequest r) {
        String[] parts = credentialOf(r);
        if (parts.length > 0) {
            return parts[parts.length - 2]; // AKID/date/region/<service>/aws4_request
        }
        String target = r.header("X-Amz-Target");
        if (target != null) {
            if (target.startsWith("AmazonEC2ContainerServiceV20141113.")) {
                return "ecs";
            }
            if (target.startsWith("Logs_20140328.")) {
                return "logs";
            }
        }
        String ct = r.header("Content-Type");
        if ((r.method.equals("POST") && ct != null && ct.startsWith("application/x-www-form-urlencoded")
                && r.bodyText().matches("(?s)(^|.*&)Action=.*")) || r.q("Action") != null) {
            return "elasticbeanstalk";
        }
        return "s3";
    }

    private static byte[] readBody(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void write(HttpExchange ex, SandboxResponse resp, boolean head) throws IOException {
        resp.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        int status = resp.status;
        boolean noBody = head || status == 204 || status == 304 || resp.body.length == 0;
        if (!noBody) {
            ex.getResponseHeaders().remove("Content-Length");
        }
        ex.sendResponseHeaders(status, noBody ? -1 : resp.body.length);
        if (!noBody) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(resp.body);
            }
        }
        ex.close();
    }
}
