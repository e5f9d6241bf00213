<% session("user")=request("user")
Response.Write "hello " & Server.HTMLEncode(session("user")) %>
