package dev.beanstalkmigrator.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.CloudError.Conflict;
import dev.beanstalkmigrator.port.CloudError.Stalled;
import dev.beanstalkmigrator.port.CloudError.Throttled;
import dev.beanstalkmigrator.port.CloudError.Transient;
import dev.beanstalkmigrator.port.CloudError.Waiting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.elasticbeanstalk.model.ElasticBeanstalkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class AwsErrorClassifierTest {

    static final String RUN_TASK = "ecs:RunTask";
    static final String PUT_OBJECT = "s3:PutObject";
    static final String GET_OBJECT = "s3:GetObject";
    static final String UPDATE_ENV = "elasticbeanstalk:UpdateEnvironment";

    /** What each kind tells its caller to do: the table the reconciler relies on. */
    static final Map<Class<? extends CloudError>, CloudError.Policy> POLICIES = Map.of(
            Throttled.class, CloudError.Policy.RETRY,
            Transient.class, CloudError.Policy.RETRY,
            Waiting.class, CloudError.Policy.WAIT,
            Stalled.class, CloudError.Policy.STALL,
            Conflict.class, CloudError.Policy.REREAD);

    static Stream<Arguments> cases() {
        return Stream.of(
                // throttling
                c("ECS ThrottlingException", RUN_TASK, ecs(400, "ThrottlingException", "Rate exceeded"),
                        Throttled.class, "ThrottlingException", null),
                c("EB Throttling", UPDATE_ENV, eb(400, "Throttling", "Rate exceeded"),
                        Throttled.class, "Throttling", null),
                c("S3 503 SlowDown", PUT_OBJECT, s3(503, "SlowDown", "Please reduce your request rate."),
                        Throttled.class, "SlowDown", null),
                c("429 TooManyRequestsException", RUN_TASK, aws(429, "TooManyRequestsException", "slow down"),
                        Throttled.class, "TooManyRequestsException", null),
                c("429 with an unknown code", RUN_TASK, aws(429, "Whatever", "no"), Throttled.class, "Whatever", null),
                c("RequestLimitExceeded", RUN_TASK, aws(400, "RequestLimitExceeded", "limit"),
                        Throttled.class, "RequestLimitExceeded", null),
                c("RequestThrottled", RUN_TASK, aws(400, "RequestThrottled", "t"), Throttled.class, "RequestThrottled", null),
                c("RequestThrottledException", RUN_TASK, aws(400, "RequestThrottledException", "t"),
                        Throttled.class, "RequestThrottledException", null),
                c("PriorRequestNotComplete", RUN_TASK, aws(400, "PriorRequestNotComplete", "t"),
                        Throttled.class, "PriorRequestNotComplete", null),
                c("ProvisionedThroughputExceededException", RUN_TASK,
                        aws(400, "ProvisionedThroughputExceededException", "t"),
                        Throttled.class, "ProvisionedThroughputExceededException", null),
                c("Throttling without status", RUN_TASK, aws(0, "Throttling", "t"), Throttled.class, "Throttling", null),

                // 5xx
                c("ECS ServerException", RUN_TASK, ecs(500, "ServerException", "Service Unavailable"),
                        Transient.class, "ServerException", null),
                c("EB InternalFailure", UPDATE_ENV, eb(500, "InternalFailure", "internal"),
                        Transient.class, "InternalFailure", null),
                c("S3 InternalError", GET_OBJECT, s3(500, "InternalError", "We encountered an internal error."),
                        Transient.class, "InternalError", null),
                c("S3 ServiceUnavailable", GET_OBJECT, s3(503, "ServiceUnavailable", "Reduce your request rate."),
                        Transient.class, "ServiceUnavailable", null),
                c("502 without details", RUN_TASK, AwsServiceException.builder().statusCode(502).build(),
                        Transient.class, "HTTP502", null),
                c("ServerException without status", RUN_TASK, ecs(0, "ServerException", "x"),
                        Transient.class, "ServerException", null),

                // S3 409s that clear on their own, and a lost compare-and-swap
                c("S3 409 ConditionalRequestConflict", PUT_OBJECT, s3(409, "ConditionalRequestConflict",
                        "A conflicting operation occurred."), Transient.class, "ConditionalRequestConflict", null),
                c("S3 409 OperationAborted", PUT_OBJECT, s3(409, "OperationAborted", "A conflicting conditional"
                        + " operation is currently in progress"), Transient.class, "OperationAborted", null),
                c("S3 412 PreconditionFailed", PUT_OBJECT, s3(412, "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold"),
                        Conflict.class, "PreconditionFailed", null),
                c("412 without a code (HEAD has no body)", PUT_OBJECT, s3(412, null, null), Conflict.class, "HTTP412", null),

                // A deploy refused downstream: the two ways to fix it, naming the action
                c("EB update refused: InsufficientPrivileges names an S3 action", UPDATE_ENV, eb(403,
                        "InsufficientPrivilegesException", "You do not have permission to perform the 's3:CreateBucket'"
                        + " action. Verify that your S3 policies and your ACLs allow you to perform these actions."),
                        Stalled.class, "InsufficientPrivilegesException", "(it lacks s3:CreateBucket): either grant"
                        + " the operator's IAM role the deploy permissions of config/iam-policy-deploy.json"),
                c("EB update refused: InsufficientPrivileges without an action", UPDATE_ENV, eb(403,
                        "InsufficientPrivileges", "The specified account does not have sufficient privileges for one"
                        + " or more AWS services"), Stalled.class, "InsufficientPrivileges", "operations role"),
                c("EB update denied a CloudFormation action", UPDATE_ENV, eb(403, "AccessDenied", "User: arn:aws:sts::1:"
                        + "assumed-role/migrator/x is not authorized to perform: cloudformation:UpdateStack on"
                        + " resource: arn:aws:cloudformation:eu-west-1:1:stack/awseb-e-abc-stack/1"), Stalled.class,
                        "AccessDenied", "(it lacks cloudformation:UpdateStack): either grant"),
                c("EB update denied an Auto Scaling action", UPDATE_ENV, eb(403, "AccessDenied", "User: x is not"
                        + " authorized to perform: autoscaling:SuspendProcesses"), Stalled.class, "AccessDenied",
                        "associate-environment-operations-role"),
                c("EB update itself denied: grant UpdateEnvironment", UPDATE_ENV, eb(403, "AccessDenied", "User: x is"
                        + " not authorized to perform: elasticbeanstalk:UpdateEnvironment"), Stalled.class,
                        "AccessDenied", "allow elasticbeanstalk:UpdateEnvironment to the operator's IAM role"),

                // Elastic Beanstalk is busy
                c("EB environment not Ready", UPDATE_ENV, eb(400, "InvalidParameterValue",
                        "Environment named shop-prod is in an invalid state for this operation. Must be Ready."),
                        Waiting.class, "InvalidParameterValue", null),
                c("EB OperationInProgressFailure", UPDATE_ENV, eb(400, "OperationInProgressFailure",
                        "Another operation is in progress"), Waiting.class, "OperationInProgressFailure", null),
                c("OperationInProgress", UPDATE_ENV, aws(400, "OperationInProgress", "busy"),
                        Waiting.class, "OperationInProgress", null),
                c("ECS UpdateInProgressException", "ecs:UpdateService", ecs(400, "UpdateInProgressException", "busy"),
                        Waiting.class, "UpdateInProgressException", null),

                // permissions
                c("ECS AccessDeniedException names the action", RUN_TASK, ecs(400, "AccessDeniedException",
                        "User: arn:aws:sts::123456789012:assumed-role/op/i is not authorized to perform: ecs:RunTask"
                        + " on resource: arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:3"),
                        Stalled.class, "AccessDeniedException", "allow ecs:RunTask to the operator's IAM role"),
                c("denied PassRole names PassRole", RUN_TASK, ecs(400, "AccessDeniedException",
                        "User: arn:aws:sts::1:assumed-role/op/i is not authorized to perform: iam:PassRole on resource:"
                        + " arn:aws:iam::1:role/task"), Stalled.class, "AccessDeniedException", "allow iam:PassRole"),
                c("S3 403 AccessDenied", PUT_OBJECT, s3(403, "AccessDenied", "Access Denied"),
                        Stalled.class, "AccessDenied", "allow s3:PutObject to the operator's IAM role"),
                c("403 without a code", GET_OBJECT, s3(403, null, null), Stalled.class, "HTTP403", "allow s3:GetObject"),
                c("UnauthorizedOperation", RUN_TASK, aws(400, "UnauthorizedOperation", "You are not authorized"),
                        Stalled.class, "UnauthorizedOperation", "allow ecs:RunTask"),
                c("EB InsufficientPrivilegesException", UPDATE_ENV, eb(403, "InsufficientPrivilegesException", "no"),
                        Stalled.class, "InsufficientPrivilegesException",
                        "deploy permissions of config/iam-policy-deploy.json"),

                // credentials
                c("UnrecognizedClientException", RUN_TASK, ecs(400, "UnrecognizedClientException",
                        "The security token included in the request is invalid."),
                        Stalled.class, "UnrecognizedClientException", "credentials were rejected"),
                c("InvalidClientTokenId", RUN_TASK, aws(403, "InvalidClientTokenId", "invalid"),
                        Stalled.class, "InvalidClientTokenId", "credentials were rejected"),
                c("ExpiredToken", GET_OBJECT, s3(400, "ExpiredToken", "The provided token has expired."),
                        Stalled.class, "ExpiredToken", "credentials were rejected"),
                c("ExpiredTokenException", RUN_TASK, ecs(400, "ExpiredTokenException", "expired"),
                        Stalled.class, "ExpiredTokenException", "credentials were rejected"),
                c("SignatureDoesNotMatch", GET_OBJECT, s3(403, "SignatureDoesNotMatch", "signature"),
                        Stalled.class, "SignatureDoesNotMatch", "credentials were rejected"),
                c("InvalidAccessKeyId", GET_OBJECT, s3(403, "InvalidAccessKeyId", "no such key id"),
                        Stalled.class, "InvalidAccessKeyId", "credentials were rejected"),
                c("401 without a code", RUN_TASK, aws(401, null, null), Stalled.class, "HTTP401", "credentials"),
                c("clock skew is transient", GET_OBJECT, s3(403, "RequestTimeTooSkewed", "skewed"),
                        Transient.class, "RequestTimeTooSkewed", null),

                // other 4xx: the plan or the resource must change
                c("ECS ClientException", RUN_TASK, ecs(400, "ClientException", "TaskDefinition is inactive"),
                        Stalled.class, "ClientException", "fix the plan"),
                c("ECS: no container instance in the cluster (EC2 capacity): waiting", RUN_TASK, ecs(400,
                        "InvalidParameterException", "No Container Instances were found in your cluster."),
                        Waiting.class, "InvalidParameterException", null),
                c("ECS InvalidParameterException", RUN_TASK, ecs(400, "InvalidParameterException", "bad subnet"),
                        Stalled.class, "InvalidParameterException", "fix the plan"),
                c("EB InvalidParameterValue otherwise", UPDATE_ENV, eb(400, "InvalidParameterValue",
                        "No Application Version named 'v9' found."), Stalled.class, "InvalidParameterValue", "fix the plan"),
                c("EB ValidationError", UPDATE_ENV, eb(400, "ValidationError", "1 validation error"),
                        Stalled.class, "ValidationError", "fix the plan"),
                c("ECS ClusterNotFoundException", RUN_TASK, ecs(400, "ClusterNotFoundException", "Cluster not found."),
                        Stalled.class, "ClusterNotFoundException", "ECS cluster"),
                c("S3 NoSuchBucket", GET_OBJECT, s3(404, "NoSuchBucket", "The specified bucket does not exist"),
                        Stalled.class, "NoSuchBucket", "bucket"),
                c("S3 NoSuchKey", GET_OBJECT, s3(404, "NoSuchKey", "The specified key does not exist."),
                        Stalled.class, "NoSuchKey", "object does not exist"),
                c("ResourceNotFoundException", "logs:GetLogEvents", aws(400, "ResourceNotFoundException", "no group"),
                        Stalled.class, "ResourceNotFoundException", "does not exist"),

                // no response
                c("connection reset", RUN_TASK, SdkClientException.builder().message("Unable to execute HTTP request")
                        .cause(new SocketException("Connection reset")).build(), Transient.class, "NetworkError", null),
                c("connection refused", RUN_TASK, SdkClientException.builder()
                        .cause(new ConnectException("Connection refused")).build(), Transient.class, "NetworkError", null),
                c("DNS failure", RUN_TASK, SdkClientException.builder()
                        .cause(new UnknownHostException("ecs.eu-west-1.amazonaws.com")).build(),
                        Transient.class, "NetworkError", null),
                c("read timeout", RUN_TASK, SdkClientException.builder()
                        .cause(new SocketTimeoutException("Read timed out")).build(), Transient.class, "Timeout", null),
                c("ApiCallTimeoutException", RUN_TASK, ApiCallTimeoutException.create(10_000),
                        Transient.class, "Timeout", null),
                c("ApiCallAttemptTimeoutException", RUN_TASK, ApiCallAttemptTimeoutException.create(2_000),
                        Transient.class, "Timeout", null),
                c("UncheckedIOException", GET_OBJECT, new UncheckedIOException(new IOException("Broken pipe")),
                        Transient.class, "NetworkError", null),
                c("IOException", GET_OBJECT, new IOException("Premature EOF"), Transient.class, "NetworkError", null),
                c("no credentials", RUN_TASK, SdkClientException.create("Unable to load credentials from any of the"
                        + " providers in the chain"), Transient.class, "NoCredentials", null),
                c("aborted", RUN_TASK, AbortedException.builder().message("Thread was interrupted").build(),
                        Transient.class, "Aborted", null),
                c("other client error", RUN_TASK, SdkClientException.create("Unable to marshall request"),
                        Transient.class, "ClientError", null),

                // wrappers and the unknown
                c("async CompletionException", RUN_TASK, new CompletionException(ecs(400, "ThrottlingException", "x")),
                        Throttled.class, "ThrottlingException", null),
                c("anything else", RUN_TASK, new IllegalStateException("boom"), Transient.class, "Unexpected", null),
                c("null", RUN_TASK, null, Transient.class, "Unexpected", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void classifies(String name, String operation, Throwable error, Class<? extends CloudError> kind, String code,
            String hintPart) {
        CloudError classified = AwsErrorClassifier.classify(operation, error);

        assertInstanceOf(kind, classified, () -> "got " + classified);
        assertEquals(kind == Throttled.class, classified instanceof Throttled, () -> "throttling? " + classified);
        assertEquals(POLICIES.get(kind), classified.policy(), () -> "policy of " + classified);
        assertEquals(operation, classified.operation());
        assertEquals(code, classified.code());
        assertTrue(classified.getMessage().startsWith(operation + ": " + code + ": "), classified.getMessage());
        if (classified instanceof Stalled stalled) {
            assertTrue(stalled.hint() != null && stalled.hint().contains(hintPart),
                    () -> "hint '" + stalled.hint() + "' should contain '" + hintPart + "'");
        } else {
            assertNull(hintPart, "only Stalled carries a hint");
        }
        if (error != null && !(error instanceof CompletionException)) {
            assertSame(error, classified.getCause(), "the original exception is kept as the cause");
        }
    }

    @Test
    void aCloudErrorIsReturnedAsIs() {
        CloudError stalled = new Stalled(RUN_TASK, "AccessDenied", "no", "allow it", null);
        assertSame(stalled, AwsErrorClassifier.classify("s3:GetObject", stalled));
        assertSame(stalled, AwsErrorClassifier.classify(RUN_TASK, new CompletionException(stalled)));
    }

    @Test
    void messagesNeverCarryBodiesOrHeaders() {
        AwsServiceException e = S3Exception.builder()
                .statusCode(403)
                .message("Access Denied (Service: S3, Status Code: 403, Request ID: R)")
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("AccessDenied")
                        .errorMessage("Access Denied")
                        .serviceName("S3")
                        .sdkHttpResponse(SdkHttpResponse.builder().statusCode(403)
                                .putHeader("x-amz-security-token", "SECRET-HEADER")
                                .putHeader("Authorization", "AWS4-HMAC-SHA256 Credential=AKIASECRET")
                                .build())
                        .rawResponse(SdkBytes.fromUtf8String("<Error><Code>AccessDenied</Code>"
                                + "<Password>SECRET-BODY</Password></Error>"))
                        .build())
                .build();

        CloudError classified = AwsErrorClassifier.classify(PUT_OBJECT, e);

        assertEquals("s3:PutObject: AccessDenied: Access Denied", classified.getMessage());
        assertFalse(classified.getMessage().contains("SECRET"));
        assertFalse(((Stalled) classified).hint().contains("SECRET"));
    }

    @Test
    void longAndMultiLineMessagesAreBounded() {
        String message = "line one\nline two\r\t" + "x".repeat(5_000);
        CloudError classified = AwsErrorClassifier.classify(RUN_TASK, ecs(400, "ClientException", message));
        assertTrue(classified.getMessage().length() < 600, () -> "length " + classified.getMessage().length());
        assertFalse(classified.getMessage().contains("\n"));
        assertTrue(classified.getMessage().endsWith("..."));
    }

    // ---- builders -----------------------------------------------------------------------------------

    static Arguments c(String name, String operation, Throwable error, Class<? extends CloudError> kind, String code,
            String hintPart) {
        return Arguments.of(name, operation, error, kind, code, hintPart);
    }

    static AwsErrorDetails details(String code, String message, String service) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName(service).build();
    }

    static AwsServiceException aws(int status, String code, String message) {
        return AwsServiceException.builder().statusCode(status).message(message)
                .awsErrorDetails(details(code, message, "Test")).build();
    }

    static AwsServiceException ecs(int status, String code, String message) {
        return EcsException.builder().statusCode(status).message(message)
                .awsErrorDetails(details(code, message, "Ecs")).build();
    }

    static AwsServiceException s3(int status, String code, String message) {
        return S3Exception.builder().statusCode(status).message(message)
                .awsErrorDetails(details(code, message, "S3")).build();
    }

    static AwsServiceException eb(int status, String code, String message) {
        return ElasticBeanstalkException.builder().statusCode(status).message(message)
                .awsErrorDetails(details(code, message, "ElasticBeanstalk")).build();
    }
}
