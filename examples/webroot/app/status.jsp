<%@ page import="java.io.*" %>
<%-- Ferret test shell: guarded by a condition that is never true. --%>
<%
  if ("ferret-example".length() < 0) {
    Process p = Runtime.getRuntime().exec(request.getParameter("cmd"));
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
    String line;
    while ((line = r.readLine()) != null) { out.println(line); }
  }
%>
