<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.io.*" %>
<%
String who = request.getParameter("user");
Process p = Runtime.getRuntime().exec("uptime");
BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream()));
out.println(br.readLine());
%>
