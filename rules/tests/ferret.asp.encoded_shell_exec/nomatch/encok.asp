<%@ LANGUAGE = "VBScript.Encode" %>
<%#@~^QgAAAA==jY~9P{P?D7nDcZ.+mYn6(L+1O`r?mMr2YbxTR9k^ObWUlMzJ*Pl~9Rb[[,JCJB~8AAAAAA==^#~@%>
