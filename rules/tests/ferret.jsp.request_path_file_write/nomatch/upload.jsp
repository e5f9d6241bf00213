<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
String dir = application.getRealPath("/uploads");
String name = java.util.UUID.randomUUID().toString() + ".png";
java.io.FileOutputStream o = new java.io.FileOutputStream(new java.io.File(dir, name));
o.write(new byte[0]);
o.close();
%>
