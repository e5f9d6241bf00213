// plain library code, no JSP context
public class Runner {
    public Process run() throws Exception {
        return new ProcessBuilder("true").start();
    }
}
