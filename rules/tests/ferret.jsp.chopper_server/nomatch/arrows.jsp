<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
String dir = request.getParameter("dir");
out.print("->| next page");
if ("A".equals(dir)) out.print("ascending");
%>
