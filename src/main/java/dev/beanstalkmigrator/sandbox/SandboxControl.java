package dev.beanstalkmigrator.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON control API under {@code /_sandbox/}, for out-of-process tests and benchmarks:
 * <pre>
 * GET    /_sandbox/health                          {"status":"UP","endpoint":...}
 * GET    /_sandbox/calls                           {"ecs:RunTask":3,"ecs:RunTask:200":3,...}
 * DELETE /_sandbox/calls                           reset the counters
 * GET    /_sandbox/runs                            [{taskArn,cluster,taskDefinitionArn,startedBy,clientToken,tags,containerName,command,environment,image,time}]
 * DELETE /_sandbox/runs                            forget the run records
 * GET    /_sandbox/faults                          the active faults
 * POST   /_sandbox/faults                          {"operation":"ecs:RunTask","kind":"THROTTLE","times":2} or {"probability":0.3}; LATENCY needs "latencyMs"
 *                                                  kinds: THROTTLE, SERVER_ERROR, LATENCY, DROP, CONFLICT, PRECONDITION, ANSWER_LOST
 * DELETE /_sandbox/faults                          clear all faults
 * PUT    /_sandbox/latency                         {"millis":20}  global latency of every call (0 = off)
 * PUT    /_sandbox/list-tasks-lag                  {"millis":3000}  ListTasks leaves out tasks started less long ago (0 = off)
 * GET    /_sandbox/list-tasks-lag                  {"millis":3000}
 * PUT    /_sandbox/describe-tasks-lag              {"millis":3000}  DescribeTasks answers MISSING for tasks started less long ago
 * GET    /_sandbox/describe-tasks-lag              {"millis":3000}
 * PUT    /_sandbox/run-task-rate-limit             {"ratePerSecond":1,"burst":10}  tasks RunTask launches (Fargate's launch rate)
 * DELETE /_sandbox/run-task-rate-limit             no limit
 * PUT    /_sandbox/ecs-throttling                  {"table":"documented","scale":0.5}  ECS's request throttling, a bucket per
 *                                                  category of actions, all full ("off": none; scale optional, default 1)
 * GET    /_sandbox/ecs-throttling                  {"table":"documented","scale":0.5}; counts: GET calls, ecs:*:throttled
 * POST   /_sandbox/application-versions            {"application":"acme","label":"v44","bucket":"acme-bundles","key":"acme/v44.zip"}
 * PUT    /_sandbox/environments/{name}/version     {"version":"v42"}  deployed at once, Ready
 * PUT    /_sandbox/environments/{name}/variables/{var}  {"value":"..."} (null removes it)
 * PUT    /_sandbox/environments/{name}/secrets/{var}    {"arn":"arn:aws:secretsmanager:..."} (null removes it)
 * PUT    /_sandbox/environments/{name}/deploy-access {"deployDenied":"cloudformation:UpdateStack","operationsRole":null}
 *                                                  (the seed's fields: UpdateEnvironment then answers InsufficientPrivilegesException)
 * GET    /_sandbox/environments/{name}             {"name","version","status"}
 * POST   /_sandbox/tasks/expire                    {"task":"arn:aws:ecs:..."}  as if ECS forgot it
 * GET    /_sandbox/task-behaviours                 the current default and rules
 * PUT    /_sandbox/task-behaviours                 {"default":{...},"rules":[...]} (the seed's "tasks" schema)
 * GET    /_sandbox/clusters/{c}/container-instances       [{id,arn,cpu,memory,freeCpu,freeMemory,agentConnected}]
 * POST   /_sandbox/clusters/{c}/container-instances       {"id":..,"cpu":2048,"memory":3904,"remainingCpu":..,"remainingMemory":..,"agentConnected":true}
 *                                                         (the seed's containerInstances entry; all optional) -> {"arn":...}
 * PUT    /_sandbox/clusters/{c}/container-instances/{id}  {"remainingCpu":..,"remainingMemory":..,"agentConnected":..} (given fields change)
 * DELETE /_sandbox/clusters/{c}/container-instances/{id}  deregister it
 * </pre>
 * Errors answer 400/404 with {"error":"..."}.
 */
final class SandboxControl {
    private final SandboxCloud cloud;
    private final ObjectMapper json;
    private final ObjectMapper seedMapper = SandboxSeed.yamlMapper();

    SandboxControl(SandboxCloud cloud, ObjectMapper json) {
        this.cloud = cloud;
        this.json = json;
    }

    SandboxResponse handle(String method, String rawPath, byte[] body) {
        String path = SandboxRequest.percentDecode(rawPath, false).replaceFirst("^/_sandbox/?", "").replaceFirst("/$", "");
        try {
            JsonNode in = body.length == 0 ? json.createObjectNode() : json.readTree(body);
            return route(method, path, in, body);
        } catch (IllegalArgumentException | IOException | ServiceError e) {
            return error(400, e.getMessage());
        }
    }

    private SandboxResponse route(String method, String path, JsonNode in, byte[] body) throws IOException {
        String[] seg = path.split("/");
        switch (method + " " + seg[0]) {
            case "GET health", "GET " -> {
                return ok(json.createObjectNode().put("status", "UP").put("endpoint", cloud.endpoint().toString())
                        .put("region", cloud.region()).put("account", cloud.account()));
            }
            case "GET calls" -> {
                ObjectNode out = json.createObjectNode();
                cloud.calls().forEach(out::put);
                return ok(out);
            }
            case "DELETE calls" -> {
                cloud.resetCalls();
                return done();
            }
            case "GET runs" -> {
                ArrayNode out = json.createArrayNode();
                for (RunRecord r : cloud.runs()) {
                    ObjectNode n = out.addObject().put("taskArn", r.taskArn()).put("cluster", r.cluster())
                            .put("taskDefinitionArn", r.taskDefinitionArn()).put("startedBy", r.startedBy())
                            .put("clientToken", r.clientToken()).put("containerName", r.containerName())
                            .put("image", r.image()).put("time", r.time().toString());
                    n.set("tags", json.valueToTree(r.tags()));
                    n.set("command", r.command() == null ? null : json.valueToTree(r.command()));
                    n.set("environment", json.valueToTree(r.environment()));
                }
                return ok(out);
            }
            case "DELETE runs" -> {
                cloud.clearRuns();
                return done();
            }
            case "GET faults" -> {
                ArrayNode out = json.createArrayNode();
                for (Fault f : cloud.faults()) {
                    out.addObject().put("operation", f.operation()).put("kind", f.kind().name()).put("times", f.times())
                            .put("probability", f.probability()).put("latencyMs", f.latency().toMillis());
                }
                return ok(out);
            }
            case "POST faults" -> {
                String op = text(in, "operation");
                FaultKind kind = FaultKind.valueOf(text(in, "kind").toUpperCase(java.util.Locale.ROOT));
                int times = in.has("times") ? in.get("times").asInt() : in.has("probability") ? -1 : 1;
                double p = in.path("probability").asDouble(1.0);
                Duration latency = in.has("latencyMs") ? Duration.ofMillis(in.get("latencyMs").asLong()) : null;
                cloud.injectFault(new Fault(op, kind, times, p, latency));
                return done();
            }
            case "DELETE faults" -> {
                cloud.clearFaults();
                return done();
            }
            case "PUT latency", "POST latency" -> {
                cloud.setGlobalLatency(Duration.ofMillis(in.path("millis").asLong(0)));
                return done();
            }
            case "PUT list-tasks-lag", "POST list-tasks-lag" -> {
                long millis = in.path("millis").asLong(0);
                if (millis < 0) {
                    throw new IllegalArgumentException("millis must be 0 or more");
                }
                cloud.setListTasksLag(Duration.ofMillis(millis));
                return done();
            }
            case "GET list-tasks-lag" -> {
                return ok(json.createObjectNode().put("millis", cloud.listTasksLag().toMillis()));
            }
            case "PUT describe-tasks-lag", "POST describe-tasks-lag" -> {
                long millis = in.path("millis").asLong(0);
                if (millis < 0) {
                    throw new IllegalArgumentException("millis must be 0 or more");
                }
                cloud.setDescribeTasksLag(Duration.ofMillis(millis));
                return done();
            }
            case "GET describe-tasks-lag" -> {
                return ok(json.createObjectNode().put("millis", cloud.describeTasksLag().toMillis()));
            }
            case "PUT run-task-rate-limit", "POST run-task-rate-limit" -> {
                cloud.setRunTaskRateLimit(in.path("ratePerSecond").asDouble(), in.path("burst").asInt(1));
                return done();
            }
            case "DELETE run-task-rate-limit" -> {
                cloud.clearRunTaskRateLimit();
                return done();
            }
            case "PUT ecs-throttling", "POST ecs-throttling" -> {
                cloud.setEcsThrottling(EcsThrottles.named(text(in, "table")).scaled(in.path("scale").asDouble(1)));
                return done();
            }
            case "GET ecs-throttling" -> {
                EcsThrottles t = cloud.ecsThrottling();
                return ok(json.createObjectNode().put("table", t.table()).put("scale", t.scale()));
            }
            case "POST application-versions" -> {
                cloud.registerApplicationVersion(text(in, "application"), text(in, "label"), in.path("bucket").asText(null),
                        in.path("key").asText(null));
                return done();
            }
            case "PUT environments", "POST environments" -> {
                if (seg.length == 3 && seg[2].equals("version")) {
                    cloud.setDeployedVersion(seg[1], text(in, "version"));
                    return done();
                }
                if (seg.length == 4 && seg[2].equals("variables")) {
                    cloud.setEnvironmentVariable(seg[1], seg[3], in.path("value").asText(null));
                    return done();
                }
                if (seg.length == 4 && seg[2].equals("secrets")) {
                    cloud.setEnvironmentSecret(seg[1], seg[3], in.path("arn").asText(null));
                    return done();
                }
                if (seg.length == 3 && seg[2].equals("deploy-access")) {
                    cloud.setDeployAccess(seg[1], in.path("deployDenied").asText(null),
                            in.path("operationsRole").asText(null));
                    return done();
                }
            }
            case "GET environments" -> {
                if (seg.length == 2) {
                    return ok(json.createObjectNode().put("name", seg[1]).put("version", cloud.deployedVersion(seg[1]))
                            .put("status", cloud.environmentStatus(seg[1])));
                }
            }
            case "POST tasks" -> {
                if (seg.length == 2 && seg[1].equals("expire")) {
                    return cloud.expireTask(text(in, "task")) ? done() : error(404, "no such task");
                }
            }
            case "GET clusters", "POST clusters", "PUT clusters", "DELETE clusters" -> {
                if (seg.length >= 3 && seg[2].equals("container-instances")) {
                    return containerInstances(method, seg, in, body);
                }
            }
            case "GET task-behaviours" -> {
                return SandboxResponse.of(200, json.writeValueAsBytes(json.valueToTree(cloud.taskBehaviours())),
                        "application/json");
            }
            case "PUT task-behaviours" -> {
                SandboxSeed.TaskBehaviours b = seedMapper.readValue(new String(body, StandardCharsets.UTF_8),
                        SandboxSeed.TaskBehaviours.class);
                cloud.setTaskBehaviours(b);
                return done();
            }
            default -> {
                // fall through to 404
            }
        }
        return error(404, "no sandbox control endpoint " + method + " /_sandbox/" + path);
    }

    private SandboxResponse containerInstances(String method, String[] seg, JsonNode in, byte[] body) throws IOException {
        String cluster = seg[1];
        if (seg.length == 3 && method.equals("GET")) {
            return ok(cloud.containerInstances(cluster));
        }
        if (seg.length == 3 && method.equals("POST")) {
            SandboxSeed.ContainerInstance instance = body.length == 0
                    ? new SandboxSeed.ContainerInstance(null, null, null, null, null, null)
                    : seedMapper.readValue(new String(body, StandardCharsets.UTF_8), SandboxSeed.ContainerInstance.class);
            return ok(json.createObjectNode().put("arn", cloud.addContainerInstance(cluster, instance)));
        }
        if (seg.length == 4 && method.equals("PUT")) {
            cloud.setContainerInstance(cluster, seg[3], integer(in, "remainingCpu"), integer(in, "remainingMemory"),
                    in.hasNonNull("agentConnected") ? in.get("agentConnected").asBoolean() : null);
            return done();
        }
        if (seg.length == 4 && method.equals("DELETE")) {
            return cloud.removeContainerInstance(cluster, seg[3]) ? done() : error(404, "no such container instance");
        }
        return error(404, "no sandbox control endpoint " + method + " /_sandbox/" + String.join("/", seg));
    }

    private static Integer integer(JsonNode in, String field) {
        return in.hasNonNull(field) ? in.get(field).asInt() : null;
    }

    private static String text(JsonNode in, String field) {
        JsonNode n = in.get(field);
        if (n == null || n.isNull() || n.asText().isEmpty()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return n.asText();
    }

    private SandboxResponse ok(JsonNode n) throws IOException {
        return SandboxResponse.of(200, json.writeValueAsBytes(n), "application/json");
    }

    private SandboxResponse done() throws IOException {
        return ok(json.createObjectNode().put("ok", true));
    }

    private SandboxResponse error(int status, String message) {
        try {
            return SandboxResponse.of(status, json.writeValueAsBytes(Map.of("error", String.valueOf(message))),
                    "application/json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
