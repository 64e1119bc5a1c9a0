import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.TurnConfig;
import dev.dialtone.relay.RelayConfig;
import dev.dialtone.relay.TurnServer;

/**
 * Runs Dialtone's relay alone, as its own process, so that a benchmark can read its CPU time and
 * RSS from /proc. Configuration as in the server: -Ddialtone.relay.port=... and so on.
 * Compiled and launched by relay-start.sh with the relay module's classpath.
 */
public class StandaloneRelay {
    public static void main(String[] args) throws Exception {
        var root = ConfigFactory.load();
        TurnServer server = new TurnServer(RelayConfig.from(root), TurnConfig.from(root));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("relay started, pid " + ProcessHandle.current().pid());
        Thread.currentThread().join();
    }
}
