<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
String logo = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
out.println("<img src='data:image/png;base64," + logo + "'>");
%>
