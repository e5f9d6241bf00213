<%@ LANGUAGE = "VBScript" %>
<% Response.Write "#@~^ is the encoder marker" %>
