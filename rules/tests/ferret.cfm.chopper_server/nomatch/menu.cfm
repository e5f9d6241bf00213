<cfswitch expression="#url.page#">
<cfcase value="A"><cfinclude template="a.cfm"></cfcase>
<cfcase value="B"><cfinclude template="b.cfm"></cfcase>
</cfswitch>
