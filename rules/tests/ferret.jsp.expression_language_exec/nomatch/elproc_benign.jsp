<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
javax.el.ELProcessor p = new javax.el.ELProcessor();
p.defineBean("n", Integer.valueOf(request.getParameter("n")));
out.println(p.eval("n * 2"));
%>
