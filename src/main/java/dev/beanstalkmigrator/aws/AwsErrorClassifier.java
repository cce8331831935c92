package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.CloudError;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Maps whatever an AWS SDK v2 call threw into the {@link CloudError} family, so that the core reacts to the
 * {@link CloudError.Policy} each kind carries (retry, wait, stall, re-read) and never to SDK types.
 *
 * <ul>
 *   <li>{@link CloudError.Transient}: HTTP 429 and throttling codes (as {@link CloudError.Throttled}),
 *       every 5xx, S3's 409 {@code ConditionalRequestConflict} and {@code OperationAborted}, clock skew (the
 *       SDK corrects its clock offset after such a response), no response at all (connection reset or
 *       refused, DNS, timeouts), and anything unrecognised (code {@code Unexpected}: level-based, the next
 *       cycle looks again).</li>
 *   <li>{@link CloudError.Waiting}: Elastic Beanstalk's "is in an invalid state for this operation"
 *       (the environment is not Ready), {@code OperationInProgress(Failure)}, ECS
 *       {@code UpdateInProgressException}, and ECS's {@code InvalidParameterException} "No Container Instances
 *       were found in your cluster." (EC2 capacity that may yet come; matched by code and a substring, as the API
 *       reference does not document the text).</li>
 *   <li>{@link CloudError.Conflict}: 412 / {@code PreconditionFailed}, a conditional write that lost.</li>
 *   <li>{@link CloudError.Stalled}: 401/403 and permission or credential codes (the hint names the IAM
 *       action to grant, taken from AWS's "not authorized to perform: X" or "permission to perform the 'X'
 *       action" when present, else the operation; an UpdateEnvironment refused with InsufficientPrivileges, or
 *       denied a CloudFormation, Auto Scaling, EC2, ELB or S3 action, gets the two ways to fix a deploy: the
 *       deploy permissions, or an operations role), and every other 4xx (the hint says to fix the plan or the
 *       resource).</li>
 * </ul>
 *
 * <p>Messages carry only the AWS error code and AWS's own error message (bounded, control characters
 * removed), never request or response bodies or headers, where credentials and payloads travel. The
 * original exception is kept as the cause for stack traces.
 */
public final class AwsErrorClassifier {

    private static final int MAX_MESSAGE_CHARS = 512;

    private static final Set<String> THROTTLING = Set.of(
            "Throttling", "ThrottlingException", "ThrottledException", "SlowDown", "RequestLimitExceeded",
            "TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
            "PriorRequestNotComplete", "ProvisionedThroughputExceededException", "BandwidthLimitExceeded",
            "TransactionInProgressException", "EC2ThrottledException");

    private static final Set<String> CLOCK_SKEW = Set.of(
            "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture");

    /** 5xx codes, for the rare exception built without its status. */
    private static final Set<String> SERVER_ERRORS = Set.of(
            "ServerException", "InternalFailure", "InternalError", "InternalServerError",
            "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException");

    private static final Set<String> TRANSIENT_CONFLICTS = Set.of("ConditionalRequestConflict", "OperationAborted");

    private static final Set<String> BUSY = Set.of(
            "OperationInProgress", "OperationInProgressFailure", "UpdateInProgressException");

    private static final Set<String> ACCESS_DENIED = Set.of(
            "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
            "AllAccessDisabled", "InsufficientPrivilegesException", "InsufficientPrivileges");

    private static final Set<String> BAD_CREDENTIALS = Set.of(
            "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
            "SignatureDoesNotMatch", "InvalidAccessKeyId", "MissingAuthenticationToken", "InvalidToken",
            "IncompleteSignature", "InvalidSignatureException", "AuthFailure");

    /** Elastic Beanstalk: "Environment named X is in an invalid state for this operation. Must be Ready." */
    private static final Pattern NOT_READY = Pattern.compile(
            "invalid state for this operation|must be ready", Pattern.CASE_INSENSITIVE);

    /** ECS RunTask on a cluster with no container instance registered (EC2 capacity, not a bad request). */
    private static final Pattern NO_CONTAINER_INSTANCES = Pattern.compile(
            "no container instances were found", Pattern.CASE_INSENSITIVE);

    /** IAM denials name the action: "... is not authorized to perform: iam:PassRole on resource: ...". */
    private static final Pattern DENIED_ACTION = Pattern.compile(
            "not authorized to perform:?\\s+([A-Za-z0-9-]+:[A-Za-z0-9*]+)");

    /** Elastic Beanstalk's refusal of an update: "You do not have permission to perform the 's3:CreateBucket' action." */
    private static final Pattern PERMISSION_TO_PERFORM = Pattern.compile(
            "permission to perform the '([A-Za-z0-9-]+:[A-Za-z0-9*]+)' action");

    /** What Elastic Beanstalk changes for an update, with the caller's rights when there is no operations role. */
    private static final Set<String> DOWNSTREAM = Set.of(
            "cloudformation", "autoscaling", "ec2", "elasticloadbalancing", "s3");

    static final String UPDATE_ENVIRONMENT = "elasticbeanstalk:UpdateEnvironment";

    private AwsErrorClassifier() {
    }

    /**
     * Classifies {@code error}, thrown by the AWS call {@code operation}.
     *
     * @param operation the call as {@code service:Action}, e.g. {@code ecs:RunTask}; it names the IAM action
     *     in permission hints
     * @param error what the call threw; a {@link CloudError} is returned as is, and wrappers from async
     *     calls ({@link CompletionException}, {@link ExecutionException}) are unwrapped
     * @return the classified error, never null
     */
    public static CloudError classify(String operation, Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof CloudError cloudError) {
            return cloudError;
        }
        // Classified already where it happened, e.g. by a role's credentials, however the SDK wrapped it since.
        for (Throwable cause = e == null ? null : e.getCause(); cause != null && cause != cause.getCause();
                cause = cause.getCause()) {
            if (cause instanceof CloudError cloudError) {
                return cloudError;
            }
        }
        if (e instanceof SdkServiceException service) {
            return service(operation, service);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new CloudError.Transient(operation, "Timeout", "no response in time: " + text(e.getMessage()), e);
        }
        if (e instanceof SdkClientException || e instanceof IOException || e instanceof UncheckedIOException) {
            return noResponse(operation, e);
        }
        if (e == null) {
            return new CloudError.Transient(operation, "Unexpected", "the call failed without an error", null);
        }
        return new CloudError.Transient(operation, "Unexpected",
                e.getClass().getSimpleName() + ": " + text(e.getMessage()), e);
    }

    private static CloudError service(String operation, SdkServiceException e) {
        int status = e.statusCode();
        String code = null;
        String message = null;
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            AwsErrorDetails details = aws.awsErrorDetails();
            code = details.errorCode();
            message = details.errorMessage();
        }
        if (code == null || code.isBlank()) {
            code = status > 0 ? "HTTP" + status : "Unknown";
        }
        // Deliberately not e.getMessage() for non-AWS service exceptions: it is free text from the transport.
        String text = message == null ? "HTTP status " + status : text(message);

        if (status == 429 || THROTTLING.contains(code) || e.isThrottlingException()) {
            return new CloudError.Throttled(operation, code, text, e);
        }
        if (CLOCK_SKEW.contains(code) || e.isClockSkewException()) {
            return new CloudError.Transient(operation, code, text, e);
        }
        if (status >= 500 || SERVER_ERRORS.contains(code)) {
            return new CloudError.Transient(operation, code, text, e);
        }
        if (TRANSIENT_CONFLICTS.contains(code)) {
            return new CloudError.Transient(operation, code, text, e);
        }
        if (status == 412 || "PreconditionFailed".equals(code)) {
            return new CloudError.Conflict(operation, code, text, e);
        }
        if (BUSY.contains(code) || ("InvalidParameterValue".equals(code) && message != null
                && NOT_READY.matcher(message).find()) || ("InvalidParameterException".equals(code)
                && message != null && NO_CONTAINER_INSTANCES.matcher(message).find())) {
            return new CloudError.Waiting(operation, code, text, e);
        }
        if (BAD_CREDENTIALS.contains(code) || status == 401) {
            return new CloudError.Stalled(operation, code, text, "the operator's AWS credentials were rejected ("
                    + code + "): check the credentials it runs with (expired, revoked, wrong account or region,"
                    + " or a clock far off)", e);
        }
        if (ACCESS_DENIED.contains(code) || status == 403) {
            String denied = deniedAction(operation, message);
            if (UPDATE_ENVIRONMENT.equals(operation) && (code.startsWith("InsufficientPrivileges")
                    || DOWNSTREAM.contains(denied.substring(0, denied.indexOf(':') < 0 ? 0 : denied.indexOf(':'))))) {
                return new CloudError.Stalled(operation, code, text, deployHint(denied), e);
            }
            return new CloudError.Stalled(operation, code, text, "allow " + denied
                    + " to the operator's IAM role (check also SCPs, permission boundaries, resource and key"
                    + " policies)", e);
        }
        if (status >= 400) {
            return new CloudError.Stalled(operation, code, text, resourceHint(operation, code), e);
        }
        // No HTTP error status and no known code: nothing says a human must act, so look again next cycle.
        return new CloudError.Transient(operation, code, text, e);
    }

    private static String deniedAction(String operation, String message) {
        if (message != null) {
            Matcher m = DENIED_ACTION.matcher(message);
            if (m.find()) {
                return m.group(1);
            }
            m = PERMISSION_TO_PERFORM.matcher(message);
            if (m.find()) {
                return m.group(1);
            }
        }
        return operation;
    }

    /**
     * An update Elastic Beanstalk refused for want of rights downstream (it changes the environment's
     * CloudFormation stack, Auto Scaling group, instances, load balancer and S3 objects with the caller's rights
     * unless the environment has an operations role): the two ways to fix it.
     */
    private static String deployHint(String denied) {
        String lacking = UPDATE_ENVIRONMENT.equals(denied) ? "" : " (it lacks " + denied + ")";
        return "Elastic Beanstalk updates the environment's resources with the operator's own rights"
                + lacking + ": either grant the operator's IAM role the deploy permissions of"
                + " config/iam-policy-deploy.json (or the managed policy AdministratorAccess-AWSElasticBeanstalk),"
                + " or give the environment an operations role (aws elasticbeanstalk"
                + " associate-environment-operations-role, a beta feature), after which"
                + " elasticbeanstalk:UpdateEnvironment is all the operator needs";
    }

    private static String resourceHint(String operation, String code) {
        String lower = code.toLowerCase(Locale.ROOT);
        if (lower.contains("cluster")) {
            return "the ECS cluster named in the plan does not exist or is not usable in this account and region:"
                    + " fix the plan or create the cluster";
        }
        if (code.equals("NoSuchBucket")) {
            return "the S3 bucket does not exist in this account: fix the plan or create the bucket";
        }
        if (code.equals("NoSuchKey")) {
            return "the S3 object does not exist: check the plan and the application version's source bundle";
        }
        if (lower.contains("notfound") || lower.contains("nosuch")) {
            return "a resource " + operation + " refers to does not exist: fix the plan or create the resource";
        }
        return operation + " rejected the request: fix the plan or the resource named in the message";
    }

    private static CloudError noResponse(String operation, Throwable e) {
        if (e instanceof AbortedException || hasCause(e, InterruptedException.class)
                || hasCause(e, InterruptedIOException.class) && !hasCause(e, SocketTimeoutException.class)) {
            return new CloudError.Transient(operation, "Aborted", "the call was interrupted", e);
        }
        if (hasCause(e, SocketTimeoutException.class)) {
            return new CloudError.Transient(operation, "Timeout", "no response in time: " + rootText(e), e);
        }
        if (hasCause(e, IOException.class)) {
            return new CloudError.Transient(operation, "NetworkError", rootText(e), e);
        }
        if (e instanceof SdkClientException && e.getMessage() != null
                && e.getMessage().contains("Unable to load credentials")) {
            // Usually the credential source (instance metadata, web identity) was briefly unreachable.
            return new CloudError.Transient(operation, "NoCredentials", text(e.getMessage()), e);
        }
        return new CloudError.Transient(operation, "ClientError", text(e.getMessage()), e);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        for (int depth = 0; depth < 10 && (e instanceof CompletionException || e instanceof ExecutionException)
                && e.getCause() != null; depth++) {
            e = e.getCause();
        }
        return e;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootText(Throwable e) {
        Throwable root = e;
        for (int depth = 0; depth < 20 && root.getCause() != null && root.getCause() != root; depth++) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + text(root.getMessage());
    }

    /** Bounded and single-line: these strings end up in status conditions and logs. */
    private static String text(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        StringBuilder out = new StringBuilder(Math.min(message.length(), MAX_MESSAGE_CHARS + 3));
        message.strip().codePoints().limit(MAX_MESSAGE_CHARS)
                .forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        if (message.strip().length() > MAX_MESSAGE_CHARS) {
            out.append("...");
        }
        return out.toString();
    }
}
