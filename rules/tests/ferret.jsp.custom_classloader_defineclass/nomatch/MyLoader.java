// plain Java library code: a class loader outside any JSP
public class MyLoader extends ClassLoader {
    public Class<?> load(byte[] b) { return defineClass(null, b, 0, b.length); }
}
