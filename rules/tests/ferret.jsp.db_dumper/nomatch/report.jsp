<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="java.sql.*" %>
<%
Connection c = DriverManager.getConnection("jdbc:h2:mem:shop", "sa", "");
ResultSet rs = c.createStatement().executeQuery("select count(*) from orders");
rs.next();
out.println(rs.getInt(1));
%>
