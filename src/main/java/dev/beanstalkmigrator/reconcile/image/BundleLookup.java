package dev.beanstalkmigrator.reconcile.image;

/**
 * The outcome of looking for a container's image in an application version's source bundle.
 * Never an exception: a bundle that does not name an image is an answer, not a failure.
 */
public sealed interface BundleLookup permits BundleLookup.Found, BundleLookup.NotFound {

    /**
     * The bundle names an image for the container.
     *
     * @param image the image reference exactly as written in the bundle (trimmed), e.g. {@code repo:tag}
     * @param file the path inside the bundle the image came from, e.g. {@code app/docker-compose.yml};
     *     for a bundle that is a single plain file, the name Elastic Beanstalk treats it as
     */
    record Found(String image, String file) implements BundleLookup {
    }

    /**
     * The bundle names no usable image for the container.
     *
     * @param reason one sentence for a human: what was looked for and why nothing fit. Never quotes
     *     the bundle's content beyond names (container names, file names, image references).
     */
    record NotFound(String reason) implements BundleLookup {
    }
}
