<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
Object a = session.getAttribute("user");
if (a != null && a.equals(request.getParameter("user"))) out.println("same user");
%>
