<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
out.println(java.lang.management.ManagementFactory.getRuntimeMXBean().getName());
%>
