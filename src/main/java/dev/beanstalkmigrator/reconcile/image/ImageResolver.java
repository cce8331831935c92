package dev.beanstalkmigrator.reconcile.image;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.plan.ImageTemplate;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the image a version's migration runs, first that applies: the plan's {@code image} template; the
 * image of the container in the version's source bundle; the base task definition's image unchanged (with a
 * warning: the image is then not pinned to the version).
 *
 * <p>What a version's bundle says does not change, so answers from bundles are remembered. A bundle is read whole
 * only when it is small ({@link SourceBundleImage#MAX_ENTRY_BYTES}), as the first GET finds from its
 * {@code Content-Length}; a larger one is read in parts (ranged GETs of that version), never held: Elastic Beanstalk
 * takes bundles of up to 500 MB, and launches prepare in parallel under a small heap.
 */
public final class ImageResolver {

    /** Where the image came from, for status. */
    public static final String FROM_TEMPLATE = "template";
    public static final String FROM_BASE = "base-task-definition";

    private static final int CACHE_SIZE = 1024;

    private final ObjectStore objects;
    private final Map<String, Resolved> bundleCache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Resolved> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    public ImageResolver(ObjectStore objects) {
        this.objects = objects;
    }

    /**
     * @param warning set when the image is not pinned to the version
     */
    public record Resolved(String image, String source, String warning) {}

    /**
     * @param beanstalk the Elastic Beanstalk of the environment's account and Region, where its versions are read; its
     *     source bundle is read with the operator's own S3 client (the bucket's policy must let it, see Accounts and
     *     regions in the README)
     * @throws CloudError.Waiting if the version is not registered in Elastic Beanstalk yet
     */
    public Resolved resolve(EnvironmentSpec spec, String version, ContainerService.TaskDefinition base,
                            Beanstalk beanstalk) {
        if (!spec.image().isEmpty()) {
            return new Resolved(ImageTemplate.expand(spec.image(), version, spec.application(), spec.name()),
                    FROM_TEMPLATE, null);
        }
        ContainerService.Container container = base.container(spec.container());
        String key = String.join("\n", spec.place().key(), spec.application(), version, spec.container(),
                container.image());
        synchronized (bundleCache) {
            Resolved cached = bundleCache.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Resolved resolved = fromBundle(beanstalk, spec, version, container);
        synchronized (bundleCache) {
            bundleCache.put(key, resolved);
        }
        return resolved;
    }

    private Resolved fromBundle(Beanstalk beanstalk, EnvironmentSpec spec, String version,
                                ContainerService.Container container) {
        List<Beanstalk.ApplicationVersion> versions = beanstalk.versions(spec.application(), List.of(version));
        if (versions.isEmpty()) {
            throw new CloudError.Waiting("elasticbeanstalk:DescribeApplicationVersions", Reasons.VERSION_NOT_REGISTERED,
                    "application " + spec.application() + " has no version " + version + " yet", null);
        }
        Beanstalk.ApplicationVersion registered = versions.get(0);
        if (registered.bundleBucket() == null) {
            return unpinned(container, "version " + version + " has no source bundle");
        }
        ObjectLocation location = new ObjectLocation(registered.bundleBucket(), registered.bundleKey());
        ObjectStore.Read read = objects.get(location, null, SourceBundleImage.MAX_ENTRY_BYTES);
        SourceBundleImage.Bundle bundle;
        if (read instanceof ObjectStore.Read.Found found) {
            bundle = SourceBundleImage.Bundle.inMemory(location.toString(), found.body());
        } else if (read instanceof ObjectStore.Read.TooLarge large) {
            bundle = new StoredBundle(objects, location, large.size(), large.etag());
        } else {
            return unpinned(container, "source bundle " + location + " not found");
        }
        BundleLookup lookup = SourceBundleImage.find(bundle, spec.container());
        if (lookup instanceof BundleLookup.Found image) {
            return new Resolved(image.image(), "source-bundle:" + image.file(), null);
        }
        return unpinned(container, ((BundleLookup.NotFound) lookup).reason());
    }

    /** A bundle in S3 too large to read whole, read by ranges of the version whose size was seen. */
    private record StoredBundle(ObjectStore objects, ObjectLocation location, long size, String etag)
            implements SourceBundleImage.Bundle {
        @Override
        public String name() {
            return location.toString();
        }

        @Override
        public byte[] read(long offset, int length) {
            try {
                return objects.getRange(location, offset, length, etag);
            } catch (CloudError.Conflict changed) {
                // Parts of two versions do not make a zip: read it again from the start, at the next attempt.
                throw new CloudError.Transient(changed.operation(), changed.code(), "source bundle " + location
                        + " changed while it was read", changed);
            }
        }
    }

    private static Resolved unpinned(ContainerService.Container container, String why) {
        return new Resolved(container.image(), FROM_BASE,
                "image not pinned to the version (" + why + "); running the base task definition's image "
                        + container.image() + "; set spec image to a template to pin it");
    }
}
