<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
// lists handler mappings for an admin page (read only)
Object m = application.getAttribute("RequestMappingHandlerMapping");
out.println(m);
%>
