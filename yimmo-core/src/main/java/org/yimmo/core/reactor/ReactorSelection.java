package org.yimmo.core.reactor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Picks the reactor backend by name: {@code select}, {@code epoll}, {@code kqueue}, or
 * {@code auto} for the available backend with the highest measured priority. Backends are the
 * {@link ReactorProvider}s on the classpath.
 */
public final class ReactorSelection {

    public static final String AUTO = "auto";

    /** The names a request may use, {@code auto} first. */
    public static final List<String> NAMES = List.of(AUTO, "select", "epoll", "kqueue");

    private ReactorSelection() {
    }

    /** Every provider on the classpath, highest priority first. */
    public static List<ReactorProvider> installed() {
        List<ReactorProvider> providers = new ArrayList<>();
        ServiceLoader.load(ReactorProvider.class, ReactorSelection.class.getClassLoader()).forEach(providers::add);
        return byPriority(providers);
    }

    /** Chooses among the installed providers. */
    public static ReactorProvider choose(String requested) {
        return choose(requested, installed());
    }

    /**
     * Chooses among {@code providers}.
     *
     * @throws ReactorSelectionException for an unknown name, a backend not on the classpath or
     *                                   one this platform cannot run, listing what is available
     *                                   and why the others are not
     */
    public static ReactorProvider choose(String requested, List<ReactorProvider> providers) {
        String name = requested == null ? AUTO : requested.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new ReactorSelectionException("unknown reactor '" + requested + "': expected one of "
                    + String.join(", ", NAMES) + ". " + describe(providers));
        }
        for (ReactorProvider provider : byPriority(providers)) {
            boolean wanted = name.equals(AUTO) || provider.name().equals(name);
            if (!wanted) {
                continue;
            }
            Availability availability = provider.availability();
            if (availability.available()) {
                return provider;
            }
            if (!name.equals(AUTO)) {
                throw new ReactorSelectionException("reactor '" + name + "' cannot run here: "
                        + availability.reason() + ". " + describe(providers), availability.cause());
            }
        }
        if (name.equals(AUTO)) {
            throw new ReactorSelectionException("no reactor can run here. " + describe(providers));
        }
        throw new ReactorSelectionException("reactor '" + name + "' is not on the classpath (add the yimmo-reactor-"
                + name + " jar). " + describe(providers));
    }

    private static List<ReactorProvider> byPriority(List<ReactorProvider> providers) {
        List<ReactorProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(ReactorProvider::priority).reversed());
        return sorted;
    }

    /** Chooses and creates a reactor. */
    public static Reactor open(String requested, ReactorOptions options) throws IOException {
        return choose(requested).create(options);
    }

    /** "Available: epoll, select. Not available: kqueue (needs BSD or macOS).", by priority. */
    public static String describe(List<ReactorProvider> providers) {
        providers = byPriority(providers);
        String available = providers.stream().filter(p -> p.availability().available())
                .map(ReactorProvider::name).collect(Collectors.joining(", "));
        String unavailable = providers.stream().filter(p -> !p.availability().available())
                .map(p -> p.name() + " (" + p.availability().reason() + ")").collect(Collectors.joining(", "));
        StringBuilder text = new StringBuilder("Available: ").append(available.isEmpty() ? "none" : available).append('.');
        if (!unavailable.isEmpty()) {
            text.append(" Not available: ").append(unavailable).append('.');
        }
        return text.toString();
    }
}
