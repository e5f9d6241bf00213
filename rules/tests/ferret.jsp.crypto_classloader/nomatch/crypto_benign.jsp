<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="javax.crypto.*,javax.crypto.spec.*" %>
<%
Cipher c = Cipher.getInstance("AES");
c.init(1, new SecretKeySpec("0000000000000000".getBytes(), "AES"));
byte[] token = c.doFinal(request.getParameter("id").getBytes());
out.println(java.util.Base64.getEncoder().encodeToString(token));
%>
