package dev.beanstalkmigrator.sandbox;

/**
 * What an injected fault does to a call. Errors are rendered the way each service really answers them:
 * <ul>
 * <li>{@code THROTTLE}: S3 503 SlowDown, ECS 400 ThrottlingException, Elastic Beanstalk 400 Throttling, Logs 400 ThrottlingException</li>
 * <li>{@code SERVER_ERROR}: S3 500 InternalError, ECS 500 ServerException, Elastic Beanstalk 500 InternalFailure, Logs 500 ServiceUnavailableException</li>
 * <li>{@code LATENCY}: the call is delayed by the fault's latency, then answered normally</li>
 * <li>{@code DROP}: the connection is closed without any answer</li>
 * <li>{@code CONFLICT}: S3 only, 409 ConditionalRequestConflict</li>
 * <li>{@code PRECONDITION}: S3 only, 412 PreconditionFailed</li>
 * <li>{@code ANSWER_LOST}: the call is handled and takes effect (a task started, a revision registered, an object
 * stored), then the connection is closed without an answer, as when a network fails after the effect: the caller
 * sees an I/O error and does not know whether its call ran</li>
 * </ul>
 */
public enum FaultKind {
    THROTTLE, SERVER_ERROR, LATENCY, DROP, CONFLICT, PRECONDITION, ANSWER_LOST
}
