package dev.dialtone.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.dialtone.common.StartupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the configuration as typesafe-config does (reference.conf of every module, then the file
 * of {@code -Dconfig.file}, then {@code -D} properties) and refuses it with a {@link StartupException}
 * when the file is missing or unreadable, or a setting is unknown or of the wrong kind.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /** The checked configuration, resolved. */
    public static Config load() {
        String file = System.getProperty("config.file");
        if (file != null && !Files.isRegularFile(Path.of(file))) {
            throw new StartupException("-Dconfig.file=" + file + ": not found; give the path of an existing HOCON"
                    + " file (e.g. -Dconfig.file=config/dialtone.conf) or leave the option out to run on the defaults");
        }
        Config config;
        try {
            config = ConfigFactory.load();
        } catch (ConfigException e) {
            // Parse errors and unresolved substitutions: typesafe-config's message names file and line.
            throw new StartupException("configuration unreadable: " + e.getMessage());
        }
        List<String> problems = new ConfigCheck(ReferenceKeys.of(reference())).problems(config);
        if (!problems.isEmpty()) {
            throw new StartupException(problems);
        }
        return config;
    }

    /**
     * The defaults as this process sees them: every module's reference.conf with the environment's
     * {@code ${?DIALTONE_...}} variables applied, without the configuration file or {@code -D}
     * properties. A setting whose value differs from this one was given by the operator.
     */
    public static Config defaults() {
        return reference().resolve();
    }

    /**
     * Every module's reference.conf on the classpath, merged, not resolved. Not
     * {@code ConfigFactory.defaultReference()}: that one has the {@code -D} properties merged in.
     */
    static Config reference() {
        return Reference.MERGED;
    }

    /** Parsed once, on first use: a configuration is immutable, and a start asks for it up to twice. */
    private static final class Reference {
        static final Config MERGED = ConfigFactory.parseResourcesAnySyntax("reference.conf");
    }
}
