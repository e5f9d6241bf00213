<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
String title = "\u4e2d\u6587\u6807\u9898\u4e2d\u6587\u6807\u9898\u4e2d\u6587\u6807\u9898";
out.println(title);
%>
