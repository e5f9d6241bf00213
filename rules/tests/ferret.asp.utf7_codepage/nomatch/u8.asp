<%@ codepage=65001 %>
<% Response.Write "+ADw-hello+AD4-" %>
