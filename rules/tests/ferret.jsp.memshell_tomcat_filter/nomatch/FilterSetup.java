// container code (no JSP context) configuring a filter at start-up
public class FilterSetup {
    void setup(org.apache.catalina.core.StandardContext ctx) {
        org.apache.tomcat.util.descriptor.web.FilterDef fd = new org.apache.tomcat.util.descriptor.web.FilterDef();
        ctx.addFilterDef(fd);
        ctx.addFilterMapBefore(new org.apache.tomcat.util.descriptor.web.FilterMap());
    }
}
