<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
java.io.FileOutputStream fos = new java.io.FileOutputStream(application.getRealPath("/WEB-INF/count.txt"));
fos.write(String.valueOf(1).getBytes());
fos.close();
%>
