package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.PlanEvents;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** {@link PlanEvents} on an SQS queue: ReceiveMessage (long poll), DeleteMessage, ChangeMessageVisibility. */
public final class SqsPlanEvents implements PlanEvents {

    private final SqsClient sqs;
    private final String queueUrl;
    private final Retrying retrying;

    public SqsPlanEvents(SqsClient sqs, String queueUrl, Retrying retrying) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.retrying = retrying;
    }

    @Override
    public List<Message> receive(Duration wait) {
        return retrying.call("sqs:ReceiveMessage", () -> sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                        .maxNumberOfMessages(10).waitTimeSeconds((int) Math.min(20, wait.toSeconds()))
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                .messages().stream()
                .map(m -> new Message(m.receiptHandle(), receives(m.attributes()
                        .get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)), m.body()))
                .toList());
    }

    private static int receives(String count) {
        try {
            return count == null ? 1 : Integer.parseInt(count);
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    @Override
    public void done(Message message) {
        retrying.run("sqs:DeleteMessage", () -> sqs.deleteMessage(r -> r.queueUrl(queueUrl)
                .receiptHandle(message.receipt())));
    }

    @Override
    public void handOn(Message message) {
        retrying.run("sqs:ChangeMessageVisibility", () -> sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl)
                .receiptHandle(message.receipt()).visibilityTimeout(0)));
    }
}
