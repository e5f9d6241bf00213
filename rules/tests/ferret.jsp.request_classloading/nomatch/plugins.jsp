<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
String n = request.getParameter("n");
ClassLoader cl = Thread.currentThread().getContextClassLoader();
out.println(cl.getResource("plugins.properties"));
%>
