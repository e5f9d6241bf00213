// library code using Unsafe, no JSP context
public class UnsafeUtil {
    static Object u() throws Exception {
        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return f.get(null);
    }
}
