<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.sql.*" %>
<%
Connection c = DriverManager.getConnection("jdbc:h2:mem:shop", "sa", "");
PreparedStatement ps = c.prepareStatement("select name from product where id = ?");
ps.setString(1, request.getParameter("id"));
ResultSet rs = ps.executeQuery();
%>
