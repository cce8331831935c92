package dev.beanstalkmigrator.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The entry point of the artifact. With no arguments it is the operator, as it always was: Quarkus starts (HTTP
 * server, health, the reconcile loop) and runs until it is asked to stop. With a command ({@link Commands}) it
 * runs that command and exits with its code, before Quarkus starts: a command starts neither the HTTP server
 * nor the reconcile loop, so CI can run the same image with a command.
 */
@QuarkusMain
public final class Main implements QuarkusApplication {

    public static void main(String... args) {
        if (args.length > 0) {
            System.exit(Commands.run(args, System.out, System.err, System.getenv()));
        }
        Quarkus.run(Main.class, args);
    }

    /** The operator: runs until shutdown is asked (SIGTERM, or Quarkus's own shutdown). */
    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }
}
