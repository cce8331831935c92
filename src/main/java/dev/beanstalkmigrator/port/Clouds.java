package dev.beanstalkmigrator.port;

import dev.beanstalkmigrator.model.CloudPlace;

/**
 * The ports of each place an environment can live in (an account, through a role, and a Region). A place's ports
 * are made once and kept: what they hold (SDK clients, the role's credentials, what was found of its clusters) is
 * shared by every environment and every plan there. A role that cannot be assumed fails the calls made there, as a
 * {@link CloudError}; nothing else.
 */
public interface Clouds {

    /** The ports of {@code place}. */
    Cloud at(CloudPlace place);

    /** The operator's own account and Region, as far as known (either may be null until it is). */
    CloudPlace.Located home();

    /** The ports of one place. */
    record Cloud(Beanstalk beanstalk, ContainerService ecs, ContainerLogs logs) {}

    /**
     * One cloud for the operator's own account and Region, where no environment names another: a plan that does is
     * refused at each environment that names one, with a {@link CloudError.Stalled}, never served by the wrong
     * account.
     */
    static Clouds home(Beanstalk beanstalk, ContainerService ecs, ContainerLogs logs, CloudPlace.Located home) {
        Cloud cloud = new Cloud(beanstalk, ecs, logs);
        return new Clouds() {
            @Override
            public Cloud at(CloudPlace place) {
                if (!place.isHome()) {
                    throw new CloudError.Stalled("sts:AssumeRole", "PlaceNotServed", "this operator serves only its"
                            + " own account and Region; " + place + " is not served here",
                            "remove region and roleArn from the environment", null);
                }
                return cloud;
            }

            @Override
            public CloudPlace.Located home() {
                return home;
            }
        };
    }
}
