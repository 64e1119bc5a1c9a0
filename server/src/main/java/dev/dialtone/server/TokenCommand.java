package dev.dialtone.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.Secrets;
import dev.dialtone.common.StartupException;
import dev.dialtone.server.config.ConfigLoader;
import dev.dialtone.signaling.SignalingConfig;
import dev.dialtone.signaling.auth.ClientTokenIssuer;
import dev.dialtone.signaling.auth.TokenVerifier;
import dev.dialtone.signaling.protocol.Requests;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * {@code java -jar dialtone.jar token <userId> [--ttl 1h]}: prints a client token signed with the
 * configured JWT secret, for trying a real deployment before the app's backend issues tokens.
 * The token alone goes to stdout; errors go to stderr with exit code 2.
 */
final class TokenCommand {

    static final String USAGE = "usage: java -jar dialtone.jar token <userId> [--ttl 1h]";
    private static final Duration DEFAULT_TTL = Duration.ofHours(1);

    private TokenCommand() {
    }

    /** Runs the command on {@code args} (after the word "token"); returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            out.println(token(args));
            return 0;
        } catch (StartupException e) {
            e.problems().forEach(p -> err.println("dialtone token: " + p));
            return 2;
        }
    }

    private static String token(String[] args) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--ttl"))) {
            throw new StartupException(USAGE);
        }
        String userId = args[0];
        if (userId.isBlank() || userId.length() > Requests.MAX_USER_ID_LENGTH) {
            throw new StartupException("the user id must be 1 to " + Requests.MAX_USER_ID_LENGTH + " characters");
        }
        Duration ttl = args.length == 3 ? ttl(args[2]) : DEFAULT_TTL;
        Config config = ConfigLoader.load();
        if (!Secrets.configured(config, "dialtone.auth.jwt-secret")) {
            throw new StartupException("no JWT secret configured: set DIALTONE_JWT_SECRET (or dialtone.auth.jwt-secret)"
                    + " to the secret the server runs with; a server in trial mode hands out tokens at /dev/token");
        }
        SignalingConfig.Auth auth;
        try {
            auth = SignalingConfig.from(config).auth();
            new TokenVerifier(auth);
        } catch (IllegalArgumentException | ConfigException e) {
            throw new StartupException(e.getMessage());
        }
        return new ClientTokenIssuer(auth.jwtSecret(), auth.userClaim(), Clock.systemUTC()).tokenFor(userId, ttl);
    }

    private static Duration ttl(String text) {
        try {
            Duration ttl = ConfigFactory.parseMap(Map.of("ttl", text)).getDuration("ttl");
            if (!ttl.isNegative() && !ttl.isZero()) {
                return ttl;
            }
        } catch (ConfigException e) {
            // reported below, with what is accepted
        }
        throw new StartupException("--ttl " + text + ": expected a positive duration such as 10m, 1h or 30d");
    }
}
