<% Response.Write "x" %>
