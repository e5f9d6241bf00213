<%@ Page Language="Jscript" %>
<% if (false) { eval(Request.Item["ferret_example"], "unsafe"); } %>
