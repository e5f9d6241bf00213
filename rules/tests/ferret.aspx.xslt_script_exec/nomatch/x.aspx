<%@ Page Language="C#" %>
<%
XslCompiledTransform t = new XslCompiledTransform();
t.Load(Server.MapPath("report.xslt"));
t.Transform(Server.MapPath("data.xml"), Server.MapPath("out.html"));
%>
