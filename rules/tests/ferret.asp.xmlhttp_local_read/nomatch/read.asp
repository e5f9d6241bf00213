<%
base = Request.ServerVariables("APPL_PHYSICAL_PATH")
Response.Write "Installed in " & Server.HTMLEncode(base)
%>
