package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.CloudError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the AWS calls of one client as {@code beanstalk_migrator_aws_calls_total{service, operation, outcome}}.
 * Every client is built with the SDK's retries off ({@link Retrying} retries), so each SDK execution is one attempt
 * and a throttled attempt that {@link Retrying} repeats counts once as {@code throttled}, then again by its own
 * outcome.
 *
 * <p>The labels are bounded: {@code service} is fixed per client ({@code s3}, {@code ecs},
 * {@code elasticbeanstalk}, {@code logs}), {@code operation} is the SDK's operation name (the few calls the
 * adapters make), {@code outcome} one of {@link #OUTCOMES}. Nothing of the request or the answer is recorded.
 */
public final class AwsCallMeter implements ExecutionInterceptor {

    static final String SUCCESS = "success";
    static final String THROTTLED = "throttled";
    static final String CLIENT_ERROR = "client_error";
    static final String SERVER_ERROR = "server_error";
    static final String NETWORK_ERROR = "network_error";
    static final List<String> OUTCOMES = List.of(SUCCESS, THROTTLED, CLIENT_ERROR, SERVER_ERROR,
            NETWORK_ERROR);

    private final MeterRegistry registry;
    private final String service;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /**
     * @param service the label of the client's service: {@code s3}, {@code ecs}, {@code elasticbeanstalk} or
     *     {@code logs}
     */
    public AwsCallMeter(MeterRegistry registry, String service) {
        this.registry = registry;
        this.service = service;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        count(attributes, SUCCESS);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        count(attributes, outcome(context.exception()));
    }

    private void count(ExecutionAttributes attributes, String outcome) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        String op = operation == null ? "unknown" : operation;
        counters.computeIfAbsent(op + ' ' + outcome, k -> Counter.builder("beanstalk.migrator.aws.calls")
                .tag("service", service).tag("operation", op).tag("outcome", outcome)
                .description("AWS calls (attempts), by service, operation and outcome").register(registry))
                .increment();
    }

    /**
     * The outcome of a call that threw {@code error}: {@code throttled} as {@link AwsErrorClassifier} recognises
     * throttling; for an answer from AWS, {@code server_error} (5xx), {@code success} (S3's 304 to a conditional
     * GET: the object is unchanged, as asked) or {@code client_error} (any other 4xx, including a lost conditional
     * write, 412); for no answer (connection, timeout), {@code network_error}; for anything else on this side
     * (credentials, a request the SDK could not build), {@code client_error}.
     */
    static String outcome(Throwable error) {
        CloudError classified = AwsErrorClassifier.classify("aws", error);
        if (classified instanceof CloudError.Throttled) {
            return THROTTLED;
        }
        if (classified.getCause() instanceof SdkServiceException service) {
            int status = service.statusCode();
            if (status == 304) {
                return SUCCESS;
            }
            return status >= 500 ? SERVER_ERROR : CLIENT_ERROR;
        }
        String code = classified.code();
        return "Timeout".equals(code) || "NetworkError".equals(code) ? NETWORK_ERROR : CLIENT_ERROR;
    }
}
