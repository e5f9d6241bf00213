<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
javax.sql.DataSource ds = (javax.sql.DataSource) new javax.naming.InitialContext().lookup("java:comp/env/jdbc/app");
out.println(request.getParameter("q") != null);
%>
