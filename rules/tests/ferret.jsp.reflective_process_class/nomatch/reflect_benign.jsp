<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
String t = request.getParameter("type");
Class k = Class.forName("java.lang.Integer");
Object v = k.getMethod("valueOf", String.class).invoke(null, "42");
out.println(v);
%>
