package dev.socketserver.transport.websocket;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reaching a container's non-public members by reflection, for the container shortcuts
 * ({@link JettyCore}, {@link JettyTrim}, {@link TomcatCore}): lookups whose failures name the
 * member that is missing, and the one log line that says a shortcut is off.
 *
 * <p>Contract: every lookup either returns a usable member or throws a
 * {@link ReflectiveOperationException} whose message names the class and member. A shortcut
 * that fails its lookup is not used at all (the portable Jakarta path takes over).
 */
final class Internals {
    private Internals() {
    }

    /** An accessible instance field {@code type.name}. */
    static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f;
        try {
            f = type.getDeclaredField(name);
        } catch (NoSuchFieldException e) {
            throw new NoSuchFieldException(type.getName() + "." + name);
        }
        if (Modifier.isStatic(f.getModifiers())) {
            throw new NoSuchFieldException(type.getName() + "." + name + " is static");
        }
        try {
            f.setAccessible(true);
        } catch (InaccessibleObjectException | SecurityException e) {
            throw new NoSuchFieldException(type.getName() + "." + name + " is not accessible: " + e.getMessage());
        }
        return f;
    }

    /** A field of {@code type.name} whose type is {@code expected} (or a subtype). */
    static Field field(Class<?> type, String name, Class<?> expected) throws NoSuchFieldException {
        Field f = field(type, name);
        if (!expected.isAssignableFrom(f.getType())) {
            throw new NoSuchFieldException(type.getName() + "." + name + " is a " + f.getType().getName()
                    + ", not a " + expected.getName());
        }
        return f;
    }

    /** A getter for an accessible instance field. */
    static MethodHandle getter(Field f) throws IllegalAccessException {
        return MethodHandles.lookup().unreflectGetter(f);
    }

    /** A handle for the instance method {@code type.name(parameters)} of any access. */
    static MethodHandle method(Class<?> type, String name, Class<?>... parameters)
            throws NoSuchMethodException, IllegalAccessException {
        Method m;
        try {
            m = type.getDeclaredMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            throw new NoSuchMethodException(type.getName() + "." + name + signature(parameters));
        }
        try {
            m.setAccessible(true);
        } catch (InaccessibleObjectException | SecurityException e) {
            throw new NoSuchMethodException(type.getName() + "." + name + signature(parameters)
                    + " is not accessible: " + e.getMessage());
        }
        return MethodHandles.lookup().unreflect(m);
    }

    /** The value of the static constant {@code type.name}, of any access. */
    static Object constant(Class<?> type, String name) throws NoSuchFieldException, IllegalAccessException {
        Field f;
        try {
            f = type.getDeclaredField(name);
        } catch (NoSuchFieldException e) {
            throw new NoSuchFieldException(type.getName() + "." + name);
        }
        if (!Modifier.isStatic(f.getModifiers())) {
            throw new NoSuchFieldException(type.getName() + "." + name + " is not static");
        }
        f.setAccessible(true);
        return f.get(null);
    }

    private static String signature(Class<?>[] parameters) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < parameters.length; i++) {
            s.append(i == 0 ? "" : ", ").append(parameters[i].getSimpleName());
        }
        return s.append(')').toString();
    }

    /** What a failed lookup says: the exception's kind and the member it names. */
    static String describe(Throwable t) {
        Throwable c = t;
        while (c instanceof ExceptionInInitializerError && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    /**
     * Reports a shortcut that is off: one {@code WARNING} when it was {@code expected} to apply
     * (the container version it was written for), else {@code FINE}. Callers report once per
     * deployment (from a class initializer).
     *
     * @param container   e.g. {@code "Jetty 12.1.14"}
     * @param shortcut    what is off, e.g. {@code "the batched WebSocket write path"}
     * @param consequence what happens instead, e.g. {@code "writes use the Jakarta API"}
     */
    static void unavailable(Logger log, boolean expected, String container, String shortcut, String consequence,
                            Throwable cause) {
        String message = shortcut + " is off on " + container + " (" + describe(cause) + "): " + consequence;
        if (expected) {
            log.warning(message + ". WS_WRITE_PATH=portable selects that on purpose, without this warning.");
            log.log(Level.FINE, "lookup failure", cause);
        } else {
            log.log(Level.FINE, message, cause);
        }
    }

    /** For a method handle's failure: unchecked as it is, checked wrapped. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
