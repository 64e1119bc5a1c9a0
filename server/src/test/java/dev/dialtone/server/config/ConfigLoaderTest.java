package dev.dialtone.server.config;

import dev.dialtone.common.StartupException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration as the server loads it: every module's reference.conf from the classpath, a
 * real file given with -Dconfig.file, real system properties.
 */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final Map<String, String> properties = new java.util.HashMap<>();

    @AfterEach
    void clearProperties() {
        properties.keySet().forEach(System::clearProperty);
        ConfigFactory.invalidateCaches();
    }

    private void property(String key, String value) {
        properties.put(key, value);
        System.setProperty(key, value);
        ConfigFactory.invalidateCaches();
    }

    private Path file(String hocon) throws IOException {
        Path file = dir.resolve("dialtone.conf");
        Files.writeString(file, hocon);
        property("config.file", file.toString());
        return file;
    }

    private static List<String> refused() {
        return assertThrows(StartupException.class, ConfigLoader::load).problems();
    }

    @Test
    void typosInAFileAreNamedWithFileLineAndTheClosestKey() throws IOException {
        Path file = file("""
                dialtone {
                  signalling.port = 4100
                  relay {
                    min_port = 50000
                  }
                }
                """);
        assertEquals(List.of(
                "unknown setting dialtone.relay.min_port (" + file + " line 4): did you mean dialtone.relay.min-port?",
                "unknown setting dialtone.signalling.port (" + file + " line 2): did you mean dialtone.signaling.port?"),
                refused().stream().sorted().toList());
    }

    @Test
    void aTypoInASystemPropertyIsNamedAsOne() {
        property("dialtone.signaling.ring-timout", "5s");
        assertEquals(List.of("unknown setting dialtone.signaling.ring-timout (system property"
                + " -Ddialtone.signaling.ring-timout): did you mean dialtone.signaling.ring-timeout?"), refused());
    }

    @Test
    void aKeyCloseToNothingGetsNoGuess() {
        property("dialtone.colour", "blue");
        assertEquals(List.of("unknown setting dialtone.colour (system property -Ddialtone.colour): no such setting;"
                + " the settings are listed in the README and config/dialtone.conf"), refused());
    }

    @Test
    void numberedListOverridesStayValid() {
        property("dialtone.turn.urls.0", "stun:127.0.0.1:3478");
        property("dialtone.turn.urls.1", "turn:127.0.0.1:3478?transport=udp");
        property("dialtone.relay.allowed-peer-cidrs.0", "10.1.0.0/16");
        Config config = ConfigLoader.load();
        assertEquals(List.of("stun:127.0.0.1:3478", "turn:127.0.0.1:3478?transport=udp"),
                config.getStringList("dialtone.turn.urls"));
        assertEquals(List.of("10.1.0.0/16"), config.getStringList("dialtone.relay.allowed-peer-cidrs"));
    }

    @Test
    void aNamedMemberOfAListIsAWrongKind() {
        property("dialtone.turn.urls.first", "stun:127.0.0.1:3478");
        assertEquals(List.of("dialtone.turn.urls = {...} (system property -Ddialtone.turn.urls): expected a list [ ... ]"),
                refused());
    }

    @Test
    void wrongKindsNameTheFullKeyTheValueAndWhatIsExpected() throws IOException {
        Path file = file("""
                dialtone.relay.port = "abc"
                dialtone.signaling.limits = 3
                """);
        property("dialtone.signaling.ring-timeout", "soon");
        property("dialtone.http.dev-tokens", "maybe");
        assertEquals(List.of(
                "dialtone.http.dev-tokens = \"maybe\" (system property -Ddialtone.http.dev-tokens): expected true or false",
                "dialtone.relay.port = \"abc\" (" + file + " line 1): expected a whole number",
                "dialtone.signaling.limits = 3 (" + file + " line 2): expected a section { ... }",
                "dialtone.signaling.ring-timeout = \"soon\" (system property -Ddialtone.signaling.ring-timeout):"
                        + " expected a duration such as 500ms, 45s, 10m or 1h"),
                refused().stream().sorted().toList());
    }

    @Test
    void aStringSettingGivenAsASectionIsRefusedWithoutShowingTheValue() {
        property("dialtone.auth.jwt-secret.part", "0123456789abcdef0123456789abcdef");
        List<String> problems = refused();
        assertEquals(List.of("dialtone.auth.jwt-secret = (object) (system property -Ddialtone.auth.jwt-secret):"
                + " expected a string"), problems);
    }

    @Test
    void everyModulesKeysAreKnownIncludingThoseDefaultedFromTheEnvironment() throws IOException {
        file("""
                dialtone {
                  auth.jwt-secret = "0123456789abcdef0123456789abcdef"
                  turn.secret = "s3cret"
                  relay { udp-threads = 2, external-ip = "203.0.113.9" }
                  cluster.key-prefix = "test:"
                  http.dev-tokens = true
                  signaling.limits.calls-per-minute = 5
                }
                """);
        Config config = ConfigLoader.load();
        assertEquals(2, config.getInt("dialtone.relay.udp-threads"));
        assertEquals(5, config.getInt("dialtone.signaling.limits.calls-per-minute"));
    }

    @Test
    void theOperatorsExampleFileIsAccepted() {
        // Surefire runs in the module's directory; the example is config/dialtone.conf of the repository.
        Path example = Path.of("..", "config", "dialtone.conf");
        assertTrue(Files.isRegularFile(example), example.toAbsolutePath().toString());
        property("config.file", example.toString());
        assertEquals(4002, ConfigLoader.load().getInt("dialtone.signaling.port"));
    }

    @Test
    void aMissingConfigFileIsOneClearSentence() {
        property("config.file", dir.resolve("nope.conf").toString());
        assertEquals(List.of("-Dconfig.file=" + dir.resolve("nope.conf") + ": not found; give the path of an existing"
                + " HOCON file (e.g. -Dconfig.file=config/dialtone.conf) or leave the option out to run on the defaults"),
                refused());
    }

    @Test
    void aSyntaxErrorNamesFileAndLine() throws IOException {
        Path file = file("dialtone {\n  signaling.port = \n");
        List<String> problems = refused();
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("configuration unreadable: " + file + ": "), problems.get(0));
    }

    @Test
    void editDistanceCountsSingleCharacterEdits() {
        assertEquals(0, ReferenceKeys.editDistance("port", "port"));
        assertEquals(1, ReferenceKeys.editDistance("min_port", "min-port"));
        assertEquals(1, ReferenceKeys.editDistance("signalling", "signaling"));
        assertEquals(3, ReferenceKeys.editDistance("kitten", "sitting"));
    }
}
